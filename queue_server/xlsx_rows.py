"""Fast rows for XlsxWriter's constant-memory worksheets: a whole row's cells in one write.

XlsxWriter writes each cell through about eight Python calls (the public writer, its checks,
a cell tuple, the row flush, the attributes, the escapes): 7–12 microseconds of CPU a cell on the
2-core machine the benchmarks ran on, and a year's ledger is 1.7 million cells. :class:`RowsWorksheet` (passed to
``Workbook.add_worksheet(worksheet_class=…)``, XlsxWriter's way to extend a worksheet) adds
:meth:`RowsWorksheet.write_plain_row`, which writes the XML XlsxWriter writes for the same
numbers and texts (``tests/ledger/test_xlsx_rows.py`` compares the two) straight into the
sheet's row file and keeps the sheet's dimensions, so the autofilter, frozen panes, print
settings and charts around it work as usual.

A cell is written as its *tail*, the XML after ``<c r="B7"``, from :meth:`text_cell` or
:func:`number_cell`. A caller that repeats values (days, outcomes, names) keeps their tails
and hands them to :meth:`RowsWorksheet.write_cells`, so a repeated value is escaped and
formatted once, not once a cell.

Only in constant-memory mode, and only for rows after every cell written the usual way.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

TEXT_MAX = 32767  # Excel's limit on a cell's text


def style(xf_index: int | None) -> str:
    """The style attribute of a cell with format ``xf_index`` (``_get_xf_index()``), or none."""
    return "" if xf_index is None else f' s="{xf_index}"'


def number_cell(value: float, xf_index: int | None = None) -> str:
    """The tail of a number cell, as XlsxWriter writes it (``%.16G``)."""
    return f"{style(xf_index)}><v>{value:.16G}</v></c>"


class RowsWorksheet(Worksheet):
    """A worksheet that also takes plain rows of numbers and texts, written at once."""

    previous_row: int  # XlsxWriter's: the row its next flush writes (constant-memory mode)

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[str, str] = {}
        self._heads: list[str] = []  # '<c r="B' for column 1, and so on

    def text_cell(self, text: str, xf_index: int | None = None) -> str:
        """The tail of an inline text cell, as XlsxWriter writes it; repeated texts are escaped once."""
        key = text if xf_index is None else f"{xf_index}\x00{text}"
        tail = self._texts.get(key)
        if tail is None:
            value = self._escape_control_characters(text[:TEXT_MAX])
            preserve = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
            tail = f'{style(xf_index)} t="inlineStr"><is><t{preserve}>{self._escape_data(value)}</t></is></c>'
            if len(self._texts) < 100_000:  # bounded: free texts (reasons) need not all be kept
                self._texts[key] = tail
        return tail

    def write_plain_row(self, row: int, cells: list[tuple[int, Any, int | None]]) -> None:
        """Write row ``row`` (zero-based) from ``(col, value, xf_index)`` cells in column order.

        A value is an ``int``/``float`` (a number) or a ``str`` (a text); ``xf_index`` is a
        format's ``_get_xf_index()`` or None. Rows must come in order, after the usual writes.
        """
        self.write_cells(
            row,
            [
                (col, self.text_cell(value, xf) if isinstance(value, str) else number_cell(value, xf))
                for col, value, xf in cells
            ],
        )

    def write_cells(self, row: int, cells: list[tuple[int, str]]) -> None:
        """Write row ``row`` (zero-based) from ``(col, tail)`` cells in column order (see the module)."""
        if not self.constant_memory:
            raise RuntimeError("write_plain_row needs the workbook's constant_memory option")
        if not cells:
            return
        if row > self.previous_row or self.table:
            self._write_single_row(row)  # flush a row written the usual way (the header)
        if self._check_dimensions(row, cells[0][0]) or self._check_dimensions(row, cells[-1][0]):
            raise ValueError(f"row {row} is outside the sheet or already written")
        heads = self._heads
        if len(heads) <= cells[-1][0]:
            heads.extend(f'<c r="{xl_col_to_name(c)}' for c in range(len(heads), cells[-1][0] + 1))
        r = str(row + 1)
        self.fh.write("".join([f'<row r="{r}">', *[f'{heads[col]}{r}"{tail}' for col, tail in cells], "</row>"]))
        self.previous_row = row + 1  # the next usual write starts after this row
