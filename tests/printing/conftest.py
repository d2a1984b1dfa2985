"""Fixtures for the printing tests: a sample ticket and the sample center."""

from __future__ import annotations

import pytest

from bianmin.center import center_info, load_center
from bianmin.protocol import CenterInfo, IssuedTicket


@pytest.fixture(scope="session")
def center() -> CenterInfo:
    return center_info(load_center(), open_now=True)


@pytest.fixture
def ticket() -> IssuedTicket:
    return IssuedTicket(
        token="tq7Kx2LmP0aB7cD9eF",
        number="A012",
        category="A",
        matter="A1",
        priority=True,
        ahead=4,
        issued_at="2025-03-03T01:05:09+00:00",
        guide_url="http://192.168.1.10:8000/g/A1?t=tq7Kx2LmP0aB7cD9eF",
        category_name="计划生育",
        matter_name="办理一孩生育证，代办再生育证",
    )
