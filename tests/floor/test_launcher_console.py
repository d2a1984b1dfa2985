"""``make run``'s console: the LAN address for QR codes, the banner last, Kivy lines once."""

from __future__ import annotations

import ipaddress
import subprocess
import sys

from bench.devserver import ROOT
from queue_server.launcher import _phone_lines, lan_address, parse_args


def test_the_lan_address_is_a_real_non_loopback_ipv4_or_none():
    found = lan_address()
    if found is not None:
        address = ipaddress.IPv4Address(found)
        assert not address.is_loopback and not address.is_unspecified


def test_the_banner_says_how_to_set_the_public_url():
    assert parse_args(["--public-url", "http://10.0.0.5:8000"]).public_url == "http://10.0.0.5:8000"
    detected = _phone_lines("http://192.168.1.9:8000", detected=True)
    assert "http://192.168.1.9:8000" in detected and "自动检测" in detected and "--public-url" in detected
    missing = _phone_lines(None, detected=False)
    assert "没有找到本机的局域网地址" in missing and "--public-url" in missing


def test_kivy_lines_print_once_after_escpos_configured_logging(tmp_path):
    """python-escpos calls basicConfig() on import; the shared setup keeps one console handler."""
    code = (
        "import os; os.environ['KIVY_NO_ARGS']='1'\n"
        "import kiosk.settings\n"  # imports python-escpos first, as the kiosk does
        "from bianmin.kivyconf import WindowPlan, configure\n"
        "configure(WindowPlan(maxfps=30, windowed=True))\n"
        "import logging; logging.getLogger('kivy').warning('once-only-line')\n"
    )
    env = {"PYTHONPATH": str(ROOT), "KIVY_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("once-only-line") == 1, out.stderr
