"""Every Excel and CSV file kam hands to a person is written here, and none carries a formula.

Why one place: customer names, product names and the cells of an uploaded file end up in
kam's exports, and a spreadsheet runs a cell that begins with ``=`` (and, in CSV, ``+``,
``-``, ``@``, tab or carriage return) as a formula when the file is opened: a customer
named ``=HYPERLINK("http://x","y")`` becomes a link, ``=cmd|' /C calc'!A0`` tries to start a
program (formula injection, CWE-1236). So:

- in Excel files every text is written with ``write_string``, never ``write()`` (which
  turns text beginning with ``=`` into a formula); text that looks like a formula also gets
  Excel's quote prefix, so editing the cell in Excel keeps it text; and the workbook is
  opened with ``strings_to_formulas`` and ``strings_to_urls`` off as a second line;
- in CSV files (which hold no types) text that begins with one of those characters gets a
  leading apostrophe and every text field is quoted, as OWASP's CSV injection advice says
  (quoting keeps a ";" inside a name from starting a new cell where ";" separates them);
  numbers stay numbers, unquoted.

The house look of kam's workbooks lives here too: a bold header row that stays in view,
column widths, and the number formats for money, shares and dates.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.conf import settings

from kam.core.currency import symbol as currency_symbol

# First characters that make a spreadsheet read a cell as a formula (OWASP, ASVS 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "share": "0.0%",
    "days": "0.0",
    "count": "0",
}
"""The "money" entry is the plain number; `number_format` puts the company's currency symbol
in front of it, so a workbook shows $1,234.00 for a company in dollars."""
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,  # a second line: kam never calls write() on text anyway
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,  # an undefined ratio shows as #NUM!, not a crash
    "remove_timezone": True,
}
SHEET_TITLE_MAX = 31  # Excel's limit
DEFAULT_WIDTH = 14


def number_format(key: str, currency: str | None = None) -> str:
    """The Excel number format of a kind of number; money carries the currency's symbol
    (quoted, so that Excel never reads it as a format code): "$"#,##0.00."""
    if key != "money":
        return NUMBER_FORMATS[key]
    text = currency_symbol(currency or settings.KAM_CURRENCY).replace('"', "")
    return f'"{text}"{NUMBER_FORMATS["money"]}'


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def is_number(value: object) -> bool:
    """Numbers are written as numbers; a bool is not a number to a reader."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# --- Excel ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, width, and the format of the numbers it holds."""

    label: object  # str or a lazy translation
    width: float = DEFAULT_WIDTH
    number: str | None = None  # a key of NUMBER_FORMATS


class Workbook:
    """An xlsxwriter workbook with kam's safe options, written to a path or kept in memory.

    >>> book = Workbook()
    >>> sheet = book.sheet("Accounts", [Column("Code", 12), Column("Revenue", number="money")])
    >>> sheet.append(["C-1", Decimal("12.50")])
    >>> data = book.close()
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self._buffer = io.BytesIO() if path is None else None
        target = self._buffer if path is None else os.fspath(path)
        options = {**WORKBOOK_OPTIONS, "in_memory": path is None}
        self.book = xlsxwriter.Workbook(target, options)
        self._formats: dict[str, object] = {}
        self._sheets: list[Sheet] = []

    def format(self, key: str):
        """A shared cell format: "head", "text" (quote prefix), "date", "datetime" or a number."""
        if key not in self._formats:
            properties = {
                "head": {"bold": True, "bottom": 1},
                "text": {"quote_prefix": True},
                "date": {"num_format": DATE_FORMAT},
                "datetime": {"num_format": DATETIME_FORMAT},
            }.get(key) or {"num_format": number_format(key)}
            self._formats[key] = self.book.add_format(properties)
        return self._formats[key]

    def sheet(
        self,
        title: object,
        columns: Sequence[Column | object],
        *,
        freeze_columns: int = 0,
        autofilter: bool = False,
    ) -> Sheet:
        """A new sheet with its header row written, frozen in view, and its column widths."""
        columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        sheet = Sheet(self, sheet_title(title), columns, autofilter=autofilter)
        sheet.worksheet.freeze_panes(1, freeze_columns)
        self._sheets.append(sheet)
        return sheet

    def close(self) -> bytes:
        """Finish the file; the workbook's bytes when it was kept in memory, else b""."""
        for sheet in self._sheets:
            sheet.finish()
        self.book.close()
        return self._buffer.getvalue() if self._buffer is not None else b""


def sheet_title(title: object) -> str:
    """A name Excel accepts: none of []:*?/\\, no apostrophe at either end, 31 characters."""
    text = re.sub(r"[\[\]:*?/\\]", "-", str(title))[:SHEET_TITLE_MAX].strip("'")
    return text or "Sheet"


class Sheet:
    """One worksheet: a header row, then data rows appended in order."""

    def __init__(self, workbook: Workbook, title: str, columns: list[Column], *, autofilter: bool):
        self.workbook = workbook
        self.worksheet = workbook.book.add_worksheet(title)
        self.columns = columns
        self.autofilter = autofilter
        self.rows = 0  # data rows written so far
        for col, column in enumerate(columns):
            self.worksheet.write_string(0, col, str(column.label), workbook.format("head"))
            self.worksheet.set_column(col, col, column.width)

    def append(self, values: Iterable) -> None:
        """Write the next data row; a column's number format applies to the numbers in it."""
        self.rows += 1
        for col, value in enumerate(values):
            number = self.columns[col].number if col < len(self.columns) else None
            write_cell(self.workbook, self.worksheet, self.rows, col, value, number=number)

    def finish(self) -> None:
        if self.autofilter and self.columns:
            self.worksheet.autofilter(0, 0, max(self.rows, 1), len(self.columns) - 1)


def write_cell(workbook: Workbook, worksheet, row: int, col: int, value, *, number=None) -> None:
    """One cell as its type says: numbers, dates, booleans as such, everything else as text.

    None and "" leave the cell empty. Text is always ``write_string``: never a formula.
    """
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif is_number(value):
        fmt = workbook.format(number) if number else None
        worksheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, col, value, workbook.format("datetime"))
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, value, workbook.format("date"))
    else:
        text = str(value)
        fmt = workbook.format("text") if looks_like_formula(text) else None
        worksheet.write_string(row, col, text, fmt)


# --- CSV ------------------------------------------------------------------------------------


def csv_cell(value) -> str | int | float | Decimal:
    """A CSV field: numbers as numbers, dates in ISO form, text that could run with a "'"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        # Unquoted as a number, unless Python would write it as 1E+2.
        return value if "E" not in str(value) else format(value, "f")
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_text(rows: Iterable[Sequence]) -> str:
    """Rows as CSV text, every field neutralised by `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to show Chinese text."""
    return csv_text(rows).encode("utf-8-sig")
