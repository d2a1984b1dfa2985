"""A matter's guide on the ticket printer (查看办事指南): the one-time notice (一次性告知)
for residents without a phone. Materials come first; it is not a ticket and says so.

Always printed as a raster image (hanzi in our own font), whatever the ticket text mode.
"""

from __future__ import annotations

from dataclasses import replace

from bianmin.protocol import CenterInfo, GuideInfo

from .commands import PrintOptions, ticket_bytes
from .layout import Block, Paper, Rule, Space, Text
from .printer import Job, Printer

GUIDE_TITLE = "办事指南（一次性告知）"
NOT_A_TICKET = "本单不是排队号，办理请到取号机取号。"
SAMPLE_SLIP = "注意：本指南含示例文字，中心尚未核实替换，请以窗口工作人员告知为准。"


def guide_blocks(guide: GuideInfo, center: CenterInfo, paper: Paper) -> list[Block]:
    """The guide, top to bottom: the matter, its materials, then the other public items."""
    s = paper.scaled

    def heading(text: str) -> list[Block]:
        return [Space(s(8, 0)), Text(text, s(28), bold=True, align="left")]

    def items(lines: list[str], numbered: bool = True) -> list[Block]:
        return [Text(f"{i}. {t}" if numbered else t, s(24), align="left") for i, t in enumerate(lines, 1)]

    promised = "当场办结" if guide.promised_days == 0 else f"{guide.promised_days} 个工作日"
    blocks: list[Block] = [
        Text(center.name, s(26), bold=True),
        Text(GUIDE_TITLE, s(30), bold=True),
        Rule(),
        Text(guide.name, s(32), bold=True, align="left"),
    ]
    if guide.sample:
        blocks += [Space(s(6, 0)), Text(SAMPLE_SLIP, s(24), bold=True, invert=True)]
    blocks += heading("一、申报材料（请带齐）")
    blocks += items(guide.materials) if guide.materials else items(["无需材料"], numbered=False)
    blocks += heading("二、办事程序")
    blocks += items(guide.procedure)
    blocks += heading("三、承诺时限")
    blocks += items([f"{promised}（法定时限 {guide.statutory_days} 个工作日）"], numbered=False)
    blocks += heading("四、收费标准")
    blocks += items([guide.fees], numbered=False)
    blocks += heading("五、政策依据")
    blocks += items([guide.policy_basis], numbered=False)
    blocks += heading("六、代办途径")
    blocks += items([guide.agency], numbered=False)
    blocks += heading("七、投诉监督")
    blocks += items([guide.supervision], numbered=False)
    if guide.note:
        blocks += heading("说明")
        blocks += items([guide.note], numbered=False)
    blocks += [
        Space(s(10, 0)),
        Rule(),
        Text(f"办公时间：{center.office.hours}", s(22), align="left"),
        Text(f"值班电话：{center.duty_phone}", s(22), align="left"),
        Text(NOT_A_TICKET, s(24), bold=True),
        Space(s(16, 0)),
    ]
    return blocks


def render_guide(guide: GuideInfo, center: CenterInfo, options: PrintOptions) -> Job:
    """Lay out and encode ``guide`` as raster; pure CPU, no device."""
    options = replace(options, text_mode="raster")
    blocks = guide_blocks(guide, center, options.paper)
    return Job(f"guide-{guide.code}", ticket_bytes(blocks, options), tuple(blocks), options.paper)


async def print_guide(guide: GuideInfo, center: CenterInfo, printer: Printer, options: PrintOptions) -> Job:
    """Render and print ``guide``; raises a :class:`PrinterError` the kiosk can show."""
    job = render_guide(guide, center, options)
    await printer.send(job)
    return job
