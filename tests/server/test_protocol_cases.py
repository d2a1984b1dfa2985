"""``/api/cases`` messages survive the round trip and reject wrong shapes."""

import pytest

from bianmin.protocol import CaseList, CaseView, ProtocolError

CASE = CaseView(
    id=3,
    kind="agency",
    kind_name="代为办理",
    due="2026-12-02",
    opened_at="2026-11-27T10:00:00+08:00",
    number="A001",
    day="2026-11-27",
    window=1,
    matter="A1",
    matter_name="城乡居民养老保险参保登记",
    agency_to="县民政局",
    bucket="due_soon",
    bucket_name="即将超期",
    days_left=2,
)


def test_case_list_round_trip():
    msg = CaseList(today="2026-11-30", cases=[CASE, CASE])
    assert CaseList.from_dict(msg.to_dict()) == msg
    assert msg.to_dict()["cases"][0]["bucket"] == "due_soon"


def test_case_view_rejects_an_unknown_bucket():
    data = CASE.to_dict() | {"bucket": "someday"}
    with pytest.raises(ProtocolError, match="bucket"):
        CaseView.from_dict(data)
