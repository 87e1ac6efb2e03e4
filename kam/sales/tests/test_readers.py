"""Reading CSV/TXT/TSV and Excel files into raw text tables, including the shared real files."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.sales.importing.readers import ImportFileError, _format_floats, read_table

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SUPERSTORE = SHARED / "superstore_sales.csv"
ONLINE_RETAIL = SHARED / "online_retail_sample.xlsx"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not mounted")


def write(tmp_path: Path, text: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path: Path, rows: list[list], name: str = "orders.xlsx", **sheets) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Orders"
    for row in rows:
        book.active.append(row)
    for title, extra in sheets.items():
        sheet = book.create_sheet(title)
        for row in extra:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def cells(table, column: str) -> list:
    return table.frame[column].to_list()


# --- the shared real files ------------------------------------------------------------------


@needs_shared
def test_superstore_reads_as_windows_1252():
    table = read_table(SUPERSTORE)
    assert table.encoding == "cp1252"
    assert table.header_row == 1
    assert table.headers[:3] == ["Row ID", "Order ID", "Order Date"]
    assert table.headers[-4:] == ["Sales", "Quantity", "Discount", "Profit"]  # stripped
    assert table.columns == table.headers
    assert table.frame.columns == [*table.columns, "__row"]
    assert all(dtype == pl.String for dtype in table.frame.drop("__row").dtypes)
    lines = table.frame.filter(pl.col("Row ID").str.contains(r"^[0-9]+$"))
    assert lines.height == 9994
    assert lines["__row"].to_list()[:2] == [2, 3]
    assert lines["__row"].max() == 9995
    first = lines.row(0, named=True)
    assert first["Order ID"] == "CA-2016-152156"
    assert first["Sales"] == " $261.96 "
    assert first["Discount"] == "0.00%"
    names = lines["Product Name"].str.contains("\u00a0").sum()
    assert names > 0  # the non-breaking spaces came through as characters, not mojibake


@needs_shared
def test_superstore_keeps_the_total_rows_and_drops_the_empty_ones():
    raw = SUPERSTORE.read_bytes().decode("cp1252").splitlines()
    junk = [line for line in raw[9995:] if line.strip(", ")]
    table = read_table(SUPERSTORE)
    assert table.frame.height == 9994 + len(junk)
    assert len(junk) > 0
    totals = table.frame.filter(pl.col("Sub-Category") == "Grand Total")
    assert totals["Sales"].to_list() == [" $22,97,200.86 "]  # the Indian-grouped total
    assert table.frame["__row"].is_sorted()


@needs_shared
def test_online_retail_reads_excel_cells_as_text():
    table = read_table(ONLINE_RETAIL)
    assert table.encoding is None
    assert table.header_row == 1
    assert table.headers == [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ]
    assert table.frame.height == 40000
    assert table.frame["__row"].to_list()[:2] == [2, 3]
    first = table.frame.row(0, named=True)
    assert first["InvoiceNo"] == "573415"  # an integral float, without ".0"
    assert first["StockCode"] == "21166"
    assert first["InvoiceDate"] == "2011-10-30 16:17:00"
    assert first["UnitPrice"] == "2.08"
    assert first["CustomerID"] == "13607"
    assert table.frame["CustomerID"].null_count() > 0  # no customer id on some rows
    assert table.frame["InvoiceNo"].str.starts_with("C").any()  # cancellations
    assert table.frame["Quantity"].str.starts_with("-").any()


# --- text files -----------------------------------------------------------------------------


def test_title_rows_above_the_header(tmp_path):
    path = write(
        tmp_path,
        "销售明细表 2024年,,\n,,\n客户编码,客户名称,金额\nC001,华东钢铁,100\n\nC002,南方制药,200\n",
    )
    table = read_table(path)
    assert table.header_row == 3
    assert table.headers == ["客户编码", "客户名称", "金额"]
    assert cells(table, "__row") == [4, 6]  # the blank line 5 is dropped, numbers skip
    assert cells(table, "客户名称") == ["华东钢铁", "南方制药"]


def test_a_title_block_with_field_labels_is_not_the_header(tmp_path):
    path = write(
        tmp_path,
        "销售明细表,,,\n客户:,全部,日期:,2024-01\n\n客户编码,客户名称,日期,金额\nC1,甲,2024-01-02,5\n",
    )
    table = read_table(path)
    assert (table.header_row, table.headers[0], cells(table, "__row")) == (4, "客户编码", [5])


def test_title_row_with_fewer_fields_than_the_data(tmp_path):
    path = write(tmp_path, "销售明细表\n\n客户,金额,数量\nA,1,2\n")
    table = read_table(path)
    assert (table.header_row, table.headers) == (3, ["客户", "金额", "数量"])


def test_without_a_recognised_header_the_first_non_empty_row_is_the_header(tmp_path):
    path = write(tmp_path, "\n\nfoo,bar\n1,2\n")
    table = read_table(path)
    assert (table.header_row, table.headers, cells(table, "__row")) == (3, ["foo", "bar"], [4])


def test_whitespace_cells_are_null_and_other_cells_are_kept_as_typed(tmp_path):
    path = write(tmp_path, "客户,金额,备注\n A ,\u00a0,\u3000\n B,  , x \n")
    table = read_table(path)
    assert cells(table, "客户") == [" A ", " B"]
    assert cells(table, "金额") == [None, None]
    assert cells(table, "备注") == [None, " x "]


def test_rows_of_only_spaces_and_delimiters_are_dropped(tmp_path):
    path = write(tmp_path, "客户,金额\nA,1\n , \n,,\n\u3000,\nB,2\n")
    assert cells(read_table(path), "__row") == [2, 6]


def test_unique_column_names(tmp_path):
    path = write(tmp_path, "金额, ,金额,客户,金额,\n1,2,3,4,5,\n")
    table = read_table(path)
    assert table.headers == ["金额", "", "金额", "客户", "金额"]
    assert table.columns == ["金额", "column_2", "金额 (2)", "客户", "金额 (3)"]
    assert table.frame.row(0) == ("1", "2", "3", "4", "5", 2)


def test_a_header_named_like_the_row_column(tmp_path):
    table = read_table(write(tmp_path, "__row,客户\n1,A\n"))
    assert table.columns == ["__row (2)", "客户"]


def test_quoted_fields_with_commas_newlines_and_quotes(tmp_path):
    path = write(
        tmp_path,
        'Customer,Product Name,Sales\n"Acme, Inc.","Chair, ""deluxe""\nblue",1\nB,x,2\n',
    )
    table = read_table(path)
    assert cells(table, "Customer") == ["Acme, Inc.", "B"]
    assert cells(table, "Product Name") == ['Chair, "deluxe"\nblue', "x"]
    assert cells(table, "__row") == [2, 3]  # records, as Excel numbers them


@pytest.mark.parametrize(
    ("delimiter", "name"), [("\t", "orders.tsv"), (";", "orders.csv"), ("|", "orders.txt")]
)
def test_delimiters_are_sniffed(tmp_path, delimiter, name):
    text = "\n".join(
        delimiter.join(row) for row in [["客户", "金额", "数量"], ["A, Ltd", "1,5", "2"]]
    )
    table = read_table(write(tmp_path, text + "\n", name=name))
    assert table.headers == ["客户", "金额", "数量"]
    assert cells(table, "金额") == ["1,5"]


def test_semicolon_file_with_decimal_commas(tmp_path):
    text = "Customer;Sales;Profit\nA;1,50;0,25\nB;2,75;0,10\n"
    table = read_table(write(tmp_path, text))
    assert table.headers == ["Customer", "Sales", "Profit"]


def test_a_row_wider_than_the_first_lines(tmp_path):
    lines = ["客户,金额"] + [f"C{i},{i}" for i in range(500)] + ["X,9,extra,more"]
    table = read_table(write(tmp_path, "\n".join(lines) + "\n"))
    assert table.columns == ["客户", "金额", "column_3", "column_4"]
    assert table.frame.row(-1) == ("X", "9", "extra", "more", 502)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_file_longer_than_the_sniffed_sample(tmp_path, encoding):
    lines = ["客户名称;金额;数量"] + [
        f"华东钢铁集团第{i}分公司;{i},50;{i % 7}" for i in range(6000)
    ]
    table = read_table(write(tmp_path, "\r\n".join(lines) + "\r\n", encoding=encoding))
    assert table.encoding == encoding
    assert table.headers == ["客户名称", "金额", "数量"]
    assert table.frame.height == 6000
    assert table.frame.row(-1) == ("华东钢铁集团第5999分公司", "5999,50", "0", 6001)


def test_crlf_and_classic_mac_line_ends(tmp_path):
    for i, newline in enumerate(["\r\n", "\r"]):
        path = write(tmp_path, newline.join(["客户,金额", "A,1", "B,2"]) + newline, f"{i}.csv")
        table = read_table(path)
        assert cells(table, "金额") == ["1", "2"]


CHINESE = "客户编码,客户名称,金额\nC001,华东钢铁集团有限公司,1000\nC002,南方制药股份,200\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_are_detected(tmp_path, encoding, reported):
    data = CHINESE.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert table.encoding == reported
    assert table.headers == ["客户编码", "客户名称", "金额"]
    assert cells(table, "客户名称") == ["华东钢铁集团有限公司", "南方制药股份"]


def test_windows_1252_that_gb18030_would_also_accept(tmp_path):
    text = "Customer,City,Sales\nMüller,Düsseldorf,1\nGérard,Zürich,2\nSeñor,Ménage,3\n"
    data = text.encode("cp1252")
    data.decode("gb18030")  # the trap: GB18030 decodes these bytes without complaint
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert table.encoding == "cp1252"
    assert cells(table, "Customer") == ["Müller", "Gérard", "Señor"]


def test_given_encoding_is_used(tmp_path):
    path = write(tmp_path, "Customer,Sales\nMüller,1\n", encoding="latin-1")
    table = read_table(path, encoding="latin-1")
    assert (table.encoding, cells(table, "Customer")) == ("iso8859-1", ["Müller"])


def test_given_encoding_that_does_not_fit(tmp_path):
    path = write(tmp_path, "客户,金额\n甲,1\n", encoding="gbk")
    with pytest.raises(ImportFileError, match=r"orders\.csv"):
        read_table(path, encoding="utf-8")


def test_unknown_encoding_name(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ImportFileError, match="klingon"):
        read_table(path, encoding="klingon")


# --- workbooks ------------------------------------------------------------------------------


def test_xlsx_cell_types_become_text(tmp_path):
    rows = [
        ["Order Date", "Quantity", "Price", "Flag", "Time", "Note", "Stamp"],
        [dt.datetime(2024, 3, 5), 3, 2.5, True, dt.time(14, 30), "x", dt.datetime(2024, 3, 5, 9)],
        [dt.date(2024, 3, 6), 3.0, 0.1, False, dt.time(0, 0, 5), "", 1e-7],
        [None, -4, 1234567.891, None, None, " ", 10**15],
    ]
    table = read_table(write_xlsx(tmp_path, rows))
    assert table.frame.drop("__row").rows() == [
        ("2024-03-05", "3", "2.5", "TRUE", "14:30:00", "x", "2024-03-05 09:00:00"),
        ("2024-03-06", "3", "0.1", "FALSE", "00:00:05", None, "0.0000001"),
        (None, "-4", "1234567.891", None, None, None, "1000000000000000"),
    ]


def test_xlsx_title_rows_and_offset_header(tmp_path):
    rows = [["销售明细表 2024年"], [], ["客户编码", "客户名称", "金额"], ["C001", "甲", 100]]
    table = read_table(write_xlsx(tmp_path, rows))
    assert (table.header_row, table.headers) == (3, ["客户编码", "客户名称", "金额"])
    assert table.frame.rows() == [("C001", "甲", "100", 4)]


def test_xlsx_with_mixed_column_types_and_many_rows(tmp_path):
    rows = [["Invoice", "Customer ID"]]
    rows += [[500000 + i if i % 7 else f"C{i}", 13000.0 + i if i % 3 else None] for i in range(60)]
    table = read_table(write_xlsx(tmp_path, rows))
    assert cells(table, "Invoice")[:2] == ["C0", "500001"]
    assert cells(table, "Customer ID")[:3] == [None, "13001", "13002"]
    assert cells(table, "__row")[-1] == 61


def test_xlsx_sheet_by_name_and_index(tmp_path):
    path = write_xlsx(tmp_path, [["客户", "金额"], ["A", 1]], Returns=[["客户", "金额"], ["B", -1]])
    assert cells(read_table(path, sheet="Returns"), "客户") == ["B"]
    assert cells(read_table(path, sheet=1), "客户") == ["B"]
    assert cells(read_table(path, sheet=0), "客户") == ["A"]
    with pytest.raises(ImportFileError, match="Nope"):
        read_table(path, sheet="Nope")
    with pytest.raises(ImportFileError):
        read_table(path, sheet=5)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=20))
def test_excel_numbers_keep_their_shortest_digits_without_exponents(values):
    texts = _format_floats(pl.Series(values, dtype=pl.Float64)).to_list()
    for value, text in zip(values, texts, strict=True):
        assert "e" not in text and not text.endswith(".0")
        exact = Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
        assert Decimal(text) == exact
        assert float(text) == value


# --- files that cannot be read --------------------------------------------------------------


def test_unsupported_extension(tmp_path):
    with pytest.raises(ImportFileError, match=r"orders\.pdf"):
        read_table(write(tmp_path, "a,b\n1,2\n", name="orders.pdf"))


def test_missing_file(tmp_path):
    with pytest.raises(ImportFileError, match=r"nothing\.csv"):
        read_table(tmp_path / "nothing.csv")


@pytest.mark.parametrize("text", ["", "  \n\n", ",,,\n,,\n"])
def test_empty_file(tmp_path, text):
    with pytest.raises(ImportFileError, match=r"orders\.csv"):
        read_table(write(tmp_path, text))


@pytest.mark.usefixtures("english")
def test_header_without_data(tmp_path):
    with pytest.raises(ImportFileError, match="no data"):
        read_table(write(tmp_path, "客户编码,金额\n\n,\n"))


def test_corrupt_workbook(tmp_path):
    path = write(tmp_path, "this is not a zip file", name="orders.xlsx")
    with pytest.raises(ImportFileError, match=r"orders\.xlsx"):
        read_table(path)


def test_empty_workbook(tmp_path):
    with pytest.raises(ImportFileError, match=r"orders\.xlsx"):
        read_table(write_xlsx(tmp_path, []))


def test_directory_is_not_a_file(tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ImportFileError):
        read_table(folder)
