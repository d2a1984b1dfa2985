"""Fast rows for XlsxWriter's constant-memory worksheets: a whole row's cells in one write.

XlsxWriter writes each cell through about eight Python calls (the public writer, its checks,
a cell tuple, the row flush, the attributes, the escapes): 7–12 microseconds of CPU a cell on the
2-core machine the benchmarks ran on, and a year's ledger is 1.7 million cells. :class:`RowsWorksheet` (passed to
``Workbook.add_worksheet(worksheet_class=…)``, XlsxWriter's way to extend a worksheet) adds
:meth:`RowsWorksheet.write_plain_row`, which writes the XML XlsxWriter writes for the same
numbers and texts (``tests/ledger/test_xlsx_rows.py`` compares the two) straight into the
sheet's row file and keeps the sheet's dimensions, so the autofilter, frozen panes, print
settings and charts around it work as usual. Texts are escaped once per distinct value.

Only in constant-memory mode, and only for rows after every cell written the usual way.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

TEXT_MAX = 32767  # Excel's limit on a cell's text


class RowsWorksheet(Worksheet):
    """A worksheet that also takes plain rows of numbers and texts, written at once."""

    previous_row: int  # XlsxWriter's: the row its next flush writes (constant-memory mode)

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[str, str] = {}
        self._letters: list[str] = []

    def text_cell(self, text: str) -> str:
        """The XML after ``<c r="…" `` of an inline text cell, as XlsxWriter writes it."""
        tail = self._texts.get(text)
        if tail is None:
            value = self._escape_control_characters(text[:TEXT_MAX])
            preserve = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
            tail = f' t="inlineStr"><is><t{preserve}>{self._escape_data(value)}</t></is></c>'
            if len(self._texts) < 100_000:  # bounded: free texts (reasons) need not all be kept
                self._texts[text] = tail
        return tail

    def write_plain_row(self, row: int, cells: list[tuple[int, Any, int | None]]) -> None:
        """Write row ``row`` (zero-based) from ``(col, value, xf_index)`` cells in column order.

        A value is an ``int``/``float`` (a number) or a ``str`` (a text); ``xf_index`` is a
        format's ``_get_xf_index()`` or None. Rows must come in order, after the usual writes.
        """
        if not self.constant_memory:
            raise RuntimeError("write_plain_row needs the workbook's constant_memory option")
        if not cells:
            return
        if row > self.previous_row or self.table:
            self._write_single_row(row)  # flush a row written the usual way (the header)
        if self._check_dimensions(row, cells[0][0]) or self._check_dimensions(row, cells[-1][0]):
            raise ValueError(f"row {row} is outside the sheet or already written")
        letters = self._letters
        if len(letters) <= cells[-1][0]:
            letters.extend(xl_col_to_name(c) for c in range(len(letters), cells[-1][0] + 1))
        r = row + 1
        parts = [f'<row r="{r}">']
        for col, value, xf in cells:
            style = "" if xf is None else f' s="{xf}"'
            if isinstance(value, str):
                parts.append(f'<c r="{letters[col]}{r}"{style}{self.text_cell(value)}')
            else:
                parts.append(f'<c r="{letters[col]}{r}"{style}><v>{value:.16G}</v></c>')
        parts.append("</row>")
        self.fh.write("".join(parts))
        self.previous_row = row + 1  # the next usual write starts after this row
