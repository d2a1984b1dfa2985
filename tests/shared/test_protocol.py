"""Every wire message in bianmin.protocol survives JSON both ways, and /api/center keeps its shape."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bianmin import protocol
from bianmin.center import center_info, load_center
from bianmin.protocol import CenterInfo, Message, ProtocolError

MESSAGES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(protocol, inspect.isclass)
        if issubclass(cls, Message) and cls is not Message
    ),
    key=lambda cls: cls.__name__,
)
# Hypothesis builds the rest from their type hints; a center's time zone must be a real one.
st.register_type_strategy(
    CenterInfo, st.builds(CenterInfo, timezone=st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "UTC"]))
)
# Rates are shares (0–1) or None: JSON has no NaN.
RATE = st.none() | st.floats(min_value=0, max_value=1)
st.register_type_strategy(
    protocol.SupervisionResults,
    st.builds(protocol.SupervisionResults, satisfaction_rate=RATE, complaint_reply_rate=RATE),
)


def test_every_message_is_covered():
    names = {cls.__name__ for cls in MESSAGES}
    assert {"Snapshot", "Event", "IssuedTicket", "TicketState", "CenterInfo", "OfficeInfo", "MatterInfo"} <= names


@pytest.mark.parametrize("cls", MESSAGES, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_round_trip_through_json(cls, data):
    message = data.draw(st.from_type(cls))
    wire = json.loads(json.dumps(message.to_dict(), ensure_ascii=False))
    assert cls.from_dict(wire) == message


@pytest.mark.parametrize("cls", MESSAGES, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_to_dict_is_a_deep_plain_copy(cls, data):
    """to_dict skips the walk for fields typed as plain values: it still equals asdict, and
    its lists and dicts are its own (a caller may change them)."""
    message = data.draw(st.from_type(cls))
    plain = message.to_dict()
    assert plain == dataclasses.asdict(message)
    for name, value in plain.items():
        if isinstance(value, (list, dict)):
            assert value is not getattr(message, name)


def test_center_info_keeps_the_api_center_keys():
    """The contract the kiosk, the display and the contract checks rely on."""
    center = load_center()
    data = json.loads(json.dumps(center_info(center, open_now=False).to_dict()))
    assert list(data) == [
        "name",
        "timezone",
        "working_days_only",
        "hotline",
        "duty_phone",
        "address",
        "office",
        "notices",
        "categories",
        "windows",
        "duty",  # today's duty rota entry (issue 11), or null
        "mode",  # office / duty / closed now (issue 14)
    ]
    assert data["office"] == {
        "days": list(center.office.days),
        "open": center.office.open.strftime("%H:%M"),
        "close": center.office.close.strftime("%H:%M"),
        "note": center.office.note,
        "open_now": False,
    }
    first = center.categories[0]
    assert data["categories"][0] == {
        "code": first.code,
        "name": first.name,
        "matters": [{"code": m.code, "name": m.name, "promised_days": m.guide.promised_days} for m in first.matters],
    }
    assert data["windows"] == [
        {"number": w.number, "name": w.name, "categories": list(w.categories)} for w in center.windows
    ]
    assert data["notices"] == list(center.notices)


def test_center_info_rejects_bad_shapes():
    good = center_info(load_center(), open_now=True).to_dict()
    with pytest.raises(ProtocolError, match="missing field 'office'"):
        CenterInfo.from_dict({k: v for k, v in good.items() if k != "office"})
    with pytest.raises(ProtocolError, match="unknown time zone"):
        CenterInfo.from_dict({**good, "timezone": "Mars/Olympus"})
    with pytest.raises(ProtocolError, match=r"OfficeInfo.days\[0\]: expected an integer"):
        CenterInfo.from_dict({**good, "office": {**good["office"], "days": ["一"]}})
    with pytest.raises(ProtocolError, match=r"MatterInfo\.promised_days: expected an integer"):
        bad = {
            **good,
            "categories": [{"code": "A", "name": "x", "matters": [{"code": "A1", "name": "y", "promised_days": "5"}]}],
        }
        CenterInfo.from_dict(bad)
