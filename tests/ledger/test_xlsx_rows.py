"""RowsWorksheet.write_plain_row writes the same sheet XML as XlsxWriter's own cell writers,
so a library change that would make them differ fails here rather than in Excel."""

from __future__ import annotations

import zipfile

import xlsxwriter
from openpyxl import load_workbook

from queue_server.xlsx_rows import RowsWorksheet

ROWS = [
    [46000.375, "A001", "办理农村低保", 600, "即时办理"],
    [46001, " leading space", "a & b < c > d", 0, "tab\tinside"],
    [46002.5, "trailing ", "控制\x07字符", -3, "x" * 40000],
]


def build(path, fast: bool) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("台帐", worksheet_class=RowsWorksheet)
    head = wb.add_format({"bold": True})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    head._get_xf_index(), stamp._get_xf_index()  # number the formats in the same order both ways
    ws.write_row(0, 0, ["时间", "号码", "事项", "秒", "方式"], head)
    for i, row in enumerate(ROWS, start=1):
        if fast:
            ws.write_plain_row(i, [(0, row[0], stamp._get_xf_index())] + [(c, v, None) for c, v in enumerate(row) if c])
        else:
            ws.write_number(i, 0, row[0], stamp)
            for c, v in enumerate(row[1:], start=1):
                (ws.write_string if isinstance(v, str) else ws.write_number)(i, c, v)
    ws.write_string(len(ROWS) + 2, 0, "合计")  # a usual write after the plain rows
    ws.autofilter(0, 0, len(ROWS), 4)
    ws.freeze_panes(1, 0)
    wb.close()


def sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_plain_rows_write_what_xlsxwriter_writes(tmp_path):
    build(tmp_path / "usual.xlsx", fast=False)
    build(tmp_path / "fast.xlsx", fast=True)
    assert sheet_xml(tmp_path / "fast.xlsx") == sheet_xml(tmp_path / "usual.xlsx")
    ws = load_workbook(tmp_path / "fast.xlsx")["台帐"]
    assert ws.cell(3, 3).value == "a & b < c > d" and ws.cell(3, 2).value == " leading space"
    assert ws.cell(2, 1).is_date and ws.cell(len(ROWS) + 3, 1).value == "合计"
    assert ws.auto_filter.ref == "A1:E4" and ws.freeze_panes == "A2"
