"""Loading the center file: the sample is valid, and errors name the field at fault."""

import tomllib

import pytest

from bianmin.center import SAMPLE_CENTER, ConfigError, load_center, parse_center

PLAN_CATEGORIES = [
    "计划生育",
    "财政税收",
    "民政",
    "农村经济管理",
    "农村合作医疗",
    "劳动和社会保障",
    "国土管理",
    "党政综合服务",
]


def sample():
    return tomllib.loads(SAMPLE_CENTER.read_text(encoding="utf-8"))


def test_sample_center_is_valid_and_complete():
    c = load_center()
    assert [x.name for x in c.categories] == PLAN_CATEGORIES
    assert [x.code for x in c.categories] == list("ABCDEFGH")
    assert len(c.matters) == 24  # the plan's list, item by item
    served = {cat for w in c.windows for cat in w.categories}
    assert served == set("ABCDEFGH")
    for m in c.matters.values():
        g = m.guide
        assert g.policy_basis and g.fees and g.procedure and g.agency and g.supervision
        assert 0 <= g.promised_days <= g.statutory_days
    assert c.office.days == (1, 3, 5) and c.notices


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (lambda d: d["center"].pop("name"), "center.name", "缺少"),
        (lambda d: d["categories"][1].update(code="AA"), "categories[1].code", "大写字母"),
        (lambda d: d["categories"][1].update(code="A"), "categories[1].code", "重复"),
        (
            lambda d: d["categories"][2]["matters"][0].update(promised_days=-1),
            "categories[2].matters[0].promised_days",
            "0 到 365",
        ),
        (
            lambda d: d["categories"][2]["matters"][0].update(promised_days=99),
            "categories[2].matters[0].promised_days",
            "法定时限",
        ),
        (
            lambda d: d["categories"][0]["matters"][1].update(materials=["身份证", 3]),
            "categories[0].matters[1].materials[1]",
            "非空文字",
        ),
        (lambda d: d["windows"][0].update(categories=["A", "Q"]), "windows[0].categories[1]", "Q"),
        (lambda d: d["windows"][1].update(number=1), "windows[1].number", "重复"),
        (lambda d: d["office"].update(open="8点"), "office.open", "HH:MM"),
        (lambda d: d["office"].update(days=[0, 8]), "office.days", "1（周一）"),
        (lambda d: d["center"].update(timezone="Mars/Base"), "center.timezone", "未知时区"),
        (lambda d: d["windows"].pop(3), "categories[6].code", "没有任何窗口"),
    ],
)
def test_errors_name_the_field(mutate, path, reason):
    data = sample()
    mutate(data)
    with pytest.raises(ConfigError) as exc:
        parse_center(data)
    assert exc.value.path == path
    assert reason in exc.value.reason


def test_unreadable_and_broken_files(tmp_path):
    with pytest.raises(ConfigError, match="无法读取"):
        load_center(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[center\nname=1", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML"):
        load_center(bad)
