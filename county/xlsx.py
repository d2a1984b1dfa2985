"""The county's monthly figures per hall as an .xlsx workbook (XlsxWriter), side by side."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

COLUMNS = [
    ("name", "便民服务中心", 24),
    ("issued", "取号", 8),
    ("served", "办结", 8),
    ("no_shows", "过号", 8),
    ("promised", "承诺/代办", 10),
    ("rejected", "退办", 8),
    ("wait_avg_s", "平均等候（秒）", 14),
    ("wait_p50_s", "等候中位（秒）", 14),
    ("wait_p90_s", "等候90%（秒）", 14),
    ("satisfaction", "满意度", 10),
    ("on_time", "按时办结率", 12),
]


def month_workbook(month: str, halls: list[dict[str, Any]]) -> bytes:
    """One sheet: a row per hall, a total row; blank cells where a figure does not exist yet."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet(month)
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1})
    sheet.write(0, 0, f"{month} 各便民服务中心办件统计", title)
    for c, (_, label, width) in enumerate(COLUMNS):
        sheet.write(2, c, label, head)
        sheet.set_column(c, c, width)
    for r, hall in enumerate(halls, start=3):
        for c, (key, _, _) in enumerate(COLUMNS):
            value = hall.get(key)
            if value is None:
                sheet.write_blank(r, c, None, cell)
            else:
                sheet.write(r, c, value, cell)
    total = 3 + len(halls)
    sheet.write(total, 0, "合计", head)
    for c, key in enumerate(("issued", "served", "no_shows", "promised", "rejected"), start=1):
        sheet.write(total, c, sum(h.get(key) or 0 for h in halls), head)
    sheet.freeze_panes(3, 1)
    book.close()
    return buf.getvalue()
