"""Which texts of a center are still samples (示例) the center has not replaced.

The sample center marks every uncertain fact with "（示例）" and every guide it has not
checked with ``sample = true``. Everything printed or published for the public says so
visibly (the site, the cards, the handbook, the kiosk slip), and the self-inspection names
these texts as points lost; both ask this module, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .center import Center, Guide, Matter

SAMPLE_MARK = "示例"
SAMPLE_NOTICE = "标有“示例”的内容是示例文字，本中心尚未核实替换，请以窗口工作人员告知为准。"
# The eight items' names, in the order the plan lists them (八公开).
ITEM_TITLES = (
    "事项名称",
    "政策依据",
    "收费标准",
    "办事程序",
    "申报材料",
    "承诺时限",
    "代办途径",
    "投诉监督方式",
)
_GUIDE_TEXTS = (
    ("policy_basis", "政策依据"),
    ("fees", "收费标准"),
    ("agency", "代办途径"),
    ("supervision", "投诉监督方式"),
)


def is_sample(text: str) -> bool:
    """True when ``text`` carries the sample mark."""
    return SAMPLE_MARK in text


@dataclass(frozen=True)
class SampleText:
    """One text still a sample: ``where`` names it for a person (e.g. ``B2 办理契税征缴事项 · 收费标准``)."""

    where: str
    text: str


def guide_samples(matter: Matter) -> list[SampleText]:
    """The sample texts of one matter's guide (and the whole guide when it is flagged a sample)."""
    g: Guide = matter.guide
    label = f"{matter.code} {matter.name}"
    found = [
        SampleText(f"{label} · {title}", getattr(g, key)) for key, title in _GUIDE_TEXTS if is_sample(getattr(g, key))
    ]
    found += [SampleText(f"{label} · 办事程序", s) for s in g.procedure if is_sample(s)]
    found += [SampleText(f"{label} · 申报材料", s) for s in g.materials if is_sample(s)]
    if g.sample and not found:
        found.append(SampleText(f"{label}", "整份指南标记为示例（sample = true）"))
    return found


def center_samples(center: Center) -> list[SampleText]:
    """The center's own sample texts: address, phones, office note, notices."""
    fields = (
        ("中心地址", center.address),
        ("投诉监督电话", center.hotline),
        ("值班电话", center.duty_phone),
        ("办公时间说明", center.office.note),
    )
    found = [SampleText(where, text) for where, text in fields if is_sample(text)]
    found += [SampleText(f"公告 {i + 1}", n) for i, n in enumerate(center.notices) if is_sample(n)]
    return found


def all_samples(center: Center) -> list[SampleText]:
    """Every sample text of ``center``: its own, then each matter's in guide order."""
    found = center_samples(center)
    for cat in center.categories:
        for m in cat.matters:
            found += guide_samples(m)
    return found
