"""查看办事指南 without Kivy: the real controller and server app, the real network printer
code talking to a loopback TCP printer. The guide arrives as a raster image whose text,
read back with tesseract, holds the materials list; no ticket is issued."""

from __future__ import annotations

import subprocess

import pytest
from escpos_stream import decode
from kiosk_support import LoopbackPrinter
from PIL import Image
from test_kiosk_controller import CENTER, MONDAY_9, Clock, Hall, Kiosk, RecordingView

from bianmin.protocol import GuideInfo
from kiosk import guides
from kiosk.printer_link import KioskPrinter
from kiosk.printing import PAPERS, PrintOptions
from kiosk.printing.guide_slip import SAMPLE_SLIP, guide_blocks, render_guide
from kiosk.printing.layout import Text


class GuideView(RecordingView):
    def show_guides(self, model):
        self.calls.append(("guides", model))

    def show_guide_status(self, status):
        self.calls.append(("guide_status", status))


@pytest.fixture
async def hall(tmp_path):
    from queue_server.accounts import Accounts
    from queue_server.store import Store

    hall = Hall(tmp_path, Clock(MONDAY_9), always_open=False)
    store = await Store.open(hall.db)
    _, hall.token = await Accounts(store).add_device("kiosk", "取号机")
    await store.close()
    await hall.start()
    yield hall
    await hall.stop()


def _stack(parts: list[Image.Image]) -> Image.Image:
    out = Image.new("1", (parts[0].width, sum(p.height for p in parts)), 1)
    y = 0
    for part in parts:
        out.paste(part, (0, y))
        y += part.height
    return out


def _ocr(path, psm: int = 4) -> str:
    out = subprocess.run(
        ["tesseract", str(path), "-", "-l", "chi_sim", "--psm", str(psm)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return "".join(out.stdout.split())


async def test_a_guide_prints_on_the_loopback_printer_materials_first(hall, tmp_path):
    printer = LoopbackPrinter()
    await printer.start()
    kiosk = Kiosk(hall, KioskPrinter(printer.spec, 80))
    kiosk.view = kiosk.ctl.view = GuideView()
    try:
        await kiosk.screen("home")
        kiosk.ctl.open_guides()
        assert kiosk.ctl.screen == "guides"
        model = kiosk.view.last("guides")
        assert sum(len(s.rows) for s in model.sections) == len(CENTER.matters) == 24
        kiosk.ctl.print_guide("C1")
        await kiosk.wait(lambda: kiosk.ctl.guide_prints and printer.jobs)
        assert kiosk.ctl.guide_prints == [("C1", "done")]
        assert kiosk.view.last("guide_status").text == guides.PRINTED
        assert kiosk.ctl.screen == "guides"
    finally:
        await kiosk.close()
        await printer.stop()
    assert printer.error is None
    assert hall.tickets() == []  # a guide is not a ticket
    job = decode(printer.jobs[-1])
    assert job.cuts == 1 and job.rasters and not job.text.strip()
    image = _stack(job.rasters)  # python-escpos sends a tall image in bands
    # What the server says C1's guide is, and where its materials stand on the slip.
    m = CENTER.matters["C1"]
    guide = GuideInfo.from_dict(
        {
            "code": "C1",
            "name": m.name,
            "category": "C",
            "category_name": "民政",
            "policy_basis": m.guide.policy_basis,
            "fees": m.guide.fees,
            "procedure": list(m.guide.procedure),
            "materials": list(m.guide.materials),
            "promised_days": m.guide.promised_days,
            "statutory_days": m.guide.statutory_days,
            "agency": m.guide.agency,
            "supervision": m.guide.supervision,
            "note": m.guide.note,
            "sample": True,
        }
    )
    expected = render_guide(guide, kiosk.ctl.center, PrintOptions(PAPERS[80])).image()
    assert image.size == expected.size and image.tobytes() == expected.tobytes()
    texts = [b.text for b in guide_blocks(guide, kiosk.ctl.center, PAPERS[80]) if isinstance(b, Text)]
    first_heading = next(i for i, t in enumerate(texts) if t.startswith("一、"))
    assert texts[first_heading].startswith("一、申报材料")
    assert SAMPLE_SLIP in texts[:first_heading]
    # The printed pixels themselves: the top part (up to the procedure) read back by OCR.
    top = tmp_path / "guide-top.png"
    crop = image.crop((0, 0, image.width, min(image.height, 700))).convert("L")
    crop.resize((crop.width * 3 // 2, crop.height * 3 // 2), Image.Resampling.LANCZOS).save(top)
    read = _ocr(top)
    # tesseract drops or misreads a stroke now and then: most materials must read back
    # exactly, and all of them before the procedure (materials first).
    found = [mat for mat in m.guide.materials if mat in read]
    assert len(found) >= len(m.guide.materials) - 1, (read, m.guide.materials)
    assert all(read.index(mat) < read.index("办事程序") for mat in found), read


async def test_unknown_matter_and_printer_down_are_friendly(hall):
    kiosk = Kiosk(hall, KioskPrinter("network:127.0.0.1:9", 80))  # nothing listens on port 9
    kiosk.view = kiosk.ctl.view = GuideView()
    try:
        await kiosk.screen("home")
        kiosk.ctl.open_guides()
        kiosk.ctl.print_guide("Z9")
        await kiosk.wait(lambda: kiosk.ctl.guide_prints)
        assert kiosk.view.last("guide_status").failed and "没有这个办事事项" in kiosk.view.last("guide_status").text
        kiosk.ctl.print_guide("A1")
        await kiosk.wait(lambda: len(kiosk.ctl.guide_prints) == 2, timeout=15)
        status = kiosk.view.last("guide_status")
        assert status.failed and status.text.startswith("没有打印出来")
        kiosk.ctl.back()
        assert kiosk.ctl.screen == "home"
    finally:
        await kiosk.close()
