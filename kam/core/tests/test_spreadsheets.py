"""The one writer of kam's Excel and CSV files: text never becomes a formula, numbers stay
numbers. Files are written for real and read back with openpyxl and the csv module."""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils.translation import gettext_lazy

from kam.core.spreadsheets import (
    Column,
    Workbook,
    csv_bytes,
    csv_cell,
    csv_text,
    sheet_title,
)

# Names a hostile or careless customer record may carry; each runs in a spreadsheet if a
# cell holds it as a formula. The other apps' export tests use this list too.
FORMULA_NAMES = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
]
KAM = Path(__file__).resolve().parents[2]


def read_back(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    """The first sheet as Excel would open it (openpyxl with its default settings)."""
    return openpyxl.load_workbook(io.BytesIO(data)).active


def one_row(values, columns=None) -> list:
    """Write one data row under a header and return its cells as openpyxl reads them."""
    book = Workbook()
    columns = columns or [Column(f"c{i}") for i in range(len(values))]
    book.sheet("Sheet", columns).append(values)
    return list(read_back(book.close())[2])


@pytest.mark.parametrize("name", [*FORMULA_NAMES, "\t=1+1"])
def test_text_that_looks_like_a_formula_stays_text_in_excel(name):
    (cell,) = one_row([name])
    assert cell.data_type == "s" and cell.value == name
    assert cell.quotePrefix  # Excel keeps it text even when someone edits the cell


def test_ordinary_text_has_no_quote_prefix_and_lazy_labels_are_translated(english):
    book = Workbook()
    sheet = book.sheet(gettext_lazy("Accounts"), [Column(gettext_lazy("Name"))])
    sheet.append(["上海申华机械有限公司"])
    read = read_back(book.close())
    assert read.title == "Accounts" and read["A1"].value == "Name"
    assert read["A2"].value == "上海申华机械有限公司" and not read["A2"].quotePrefix


def test_numbers_stay_numbers_with_their_columns_format():
    columns = [Column("a", number="money"), Column("b", number="share"), Column("c")]
    money, share, plain = one_row([Decimal("-1234.50"), 0.125, -5], columns)
    assert money.data_type == "n" and money.value == -1234.5
    assert money.number_format == '"¥"#,##0.00'  # the company's currency, CNY by default
    assert share.value == 0.125 and share.number_format == "0.0%"
    assert plain.data_type == "n" and plain.value == -5 and not plain.quotePrefix


def test_dates_are_dates_and_none_or_empty_leave_the_cell_empty():
    day, moment, empty, blank, flag = one_row(
        [date(2025, 3, 1), datetime(2025, 3, 1, 9, 30), None, "", True]
    )
    assert day.is_date and day.value == datetime(2025, 3, 1)
    assert day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == datetime(2025, 3, 1, 9, 30)
    assert empty.value is None and blank.value is None
    assert flag.data_type == "b" and flag.value is True


def test_the_header_is_bold_frozen_filtered_and_sized(tmp_path):
    path = tmp_path / "out.xlsx"
    book = Workbook(path)
    sheet = book.sheet("x" * 40, [Column("Code", 12), Column("Name", 28)], autofilter=True)
    sheet.append(["C-1", "甲"])
    sheet.append(["C-2", "乙"])
    assert book.close() == b""
    read = openpyxl.load_workbook(path).active
    assert read.title == "x" * 31  # Excel's limit on sheet names
    assert sheet_title("'Q1/Q2: [a]?'") == "Q1-Q2- -a--"  # characters Excel refuses
    assert read["A1"].font.b and read["A1"].value == "Code"
    assert read.freeze_panes == "A2"
    assert read.auto_filter.ref == "A1:B3"
    assert read.column_dimensions["B"].width == pytest.approx(28, abs=1)


def test_even_write_on_a_kam_workbook_keeps_text_as_text():
    """The workbook options are a second line, should a sheet be written around the API."""
    book = Workbook()
    sheet = book.sheet("Sheet", ["a", "b"])
    sheet.worksheet.write(1, 0, "=1+1")
    sheet.worksheet.write(1, 1, "https://example.com")
    formula, url = read_back(book.close())[2]
    assert formula.data_type == "s" and formula.value == "=1+1"
    assert url.value == "https://example.com" and not url.hyperlink


@pytest.mark.parametrize("name", [*FORMULA_NAMES, "-5", "\t1", "\r1"])
def test_csv_text_that_could_run_gets_an_apostrophe(name):
    assert csv_cell(name) == "'" + name


def test_csv_numbers_dates_and_none():
    assert csv_cell(-5) == -5 and csv_cell(-2.5) == -2.5
    assert csv_cell(Decimal("-5.00")) == Decimal("-5.00")
    assert csv_cell(Decimal("1E+2")) == "100"  # never written as 1E+2
    assert csv_cell(None) == ""
    assert csv_cell(date(2025, 3, 1)) == "2025-03-01"
    assert csv_cell(datetime(2025, 3, 1, 9, 30)) == "2025-03-01T09:30:00"
    assert csv_cell("上海申华") == "上海申华"


def test_csv_file_reads_back_with_apostrophes_and_a_bom():
    data = csv_bytes([["Row", "Value"], [4, '=HYPERLINK("http://x","y")'], [-5, "-5"]])
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows needs it
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Row", "Value"], ["4", '\'=HYPERLINK("http://x","y")'], ["-5", "'-5"]]


def test_csv_quotes_text_so_a_semicolon_cannot_start_a_cell():
    """Excel in locales that separate cells with ";" would otherwise see =1+1 as a cell."""
    text = csv_text([["甲;=1+1", -5, Decimal("2.50")]])
    assert text == '"甲;=1+1",-5,2.50\r\n'


def test_every_spreadsheet_kam_writes_goes_through_the_helper():
    """A new export that writes cells itself would bring formula injection back."""
    allowed = {
        # PostgreSQL COPY input, read by the database, never opened by a person.
        "sales/importing/writer.py",
        # The demo's ERP-style file, fed to the importer in a temporary directory.
        "demo/generator.py",
        "demo/services.py",
        "core/spreadsheets.py",
    }
    writers = re.compile(r"import xlsxwriter|csv\.writer|DictWriter|\.write_csv\(|\.write_excel\(")
    found = set()
    for path in KAM.rglob("*.py"):
        relative = path.relative_to(KAM).as_posix()
        if "/tests/" in f"/{relative}" or relative.startswith("locale/"):
            continue
        if writers.search(path.read_text(encoding="utf-8")):
            found.add(relative)
    assert found <= allowed, sorted(found - allowed)
