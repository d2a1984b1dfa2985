"""Today's duty on the kiosk's closed screen, from the public center message."""

from bianmin.center import center_info, load_center
from bianmin.protocol import DutyInfo, DutyPerson
from kiosk import present


def test_the_closed_screen_names_todays_duty_with_phones():
    info = center_info(load_center(), False)
    assert "今日值班" not in present.closed(info, day="2026-12-01").body
    duty = DutyInfo(
        day="2026-12-01",
        staff=[DutyPerson("赵六", "民政专干", "138 0000 0001"), DutyPerson("钱七", "", "")],
        leader=DutyPerson("刘主任", "中心主任", "139 0000 0002"),
    )
    info = info.__class__.from_dict({**info.to_dict(), "duty": duty.to_dict()})
    body = present.closed(info, day="2026-12-01").body
    assert body.endswith("今日值班：赵六 138 0000 0001、钱七；带班领导：刘主任 139 0000 0002")


def test_the_display_marquee_ends_with_todays_duty():
    from display import present as board

    info = center_info(load_center(), True)
    assert board.notices(info) == list(info.notices)
    duty = DutyInfo(day="2026-12-01", staff=[DutyPerson("赵六", "民政专干", "138 0000 0001")])
    info = info.__class__.from_dict({**info.to_dict(), "duty": duty.to_dict()})
    assert board.notices(info)[-1] == "今日值班：赵六 138 0000 0001"


def test_the_kiosk_help_line_and_the_display_header_name_todays_duty():
    from display import present as board
    from kiosk.present import HELP_TEXT, home_model

    info = center_info(load_center(), True)
    assert home_model(info, "2026-12-01", {}, False).help == HELP_TEXT
    duty = DutyInfo(day="2026-12-01", staff=[], leader=DutyPerson("刘主任", "中心主任", "139 0000 0002"))
    info = info.__class__.from_dict({**info.to_dict(), "duty": duty.to_dict()})
    assert home_model(info, "2026-12-01", {}, False).help == HELP_TEXT + "\n今日值班：—；带班领导：刘主任 139 0000 0002"
    assert board.notices(info)[-1] == "今日值班：—；带班领导：刘主任 139 0000 0002"
