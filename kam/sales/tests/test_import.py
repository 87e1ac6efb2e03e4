"""The importer against a real database: all-or-nothing, idempotent, and the shared files."""

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import translation

from kam.accounts.models import Account
from kam.core.tests.test_spreadsheets import FORMULA_NAMES
from kam.sales.importing import writer
from kam.sales.importing.columns import MappingError
from kam.sales.importing.readers import ImportFileError
from kam.sales.models import AccountMonth, ImportBatch, OrderLine
from kam.sales.services import ImportRejected, import_orders, refresh_rollup

pytestmark = pytest.mark.django_db
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本,回款金额,回款日期"
GOOD = [
    "C001,华东钢铁集团,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00,1000.00,2024-04-04",
    "C001,华东钢铁集团,SO-1,2,2024-03-05,阀门,2,250,500.00,300.00,,",
    "C002,南方制药,SO-2,1,2024/4/1,密封件,5,20,100.00,60.00,100,2024年5月1日",
]


def write_csv(
    tmp_path: Path, rows: list[str], header: str = HEADER, name="orders.csv", encoding="utf-8"
):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def snapshot() -> tuple:
    """Everything an import may write, to prove a failed one wrote nothing."""
    return (
        list(
            OrderLine.objects.order_by("id").values_list(
                "order_no", "line_no", "amount", "account_id"
            )
        ),
        list(
            AccountMonth.objects.order_by("id").values_list(
                "account_id", "month", "revenue", "orders"
            )
        ),
        list(Account.objects.order_by("id").values_list("code", "name")),
        ImportBatch.objects.count(),
    )


def test_good_file_writes_lines_accounts_and_rollup(tmp_path):
    result = import_orders(write_csv(tmp_path, GOOD))
    assert (result.lines_added, result.lines_updated, result.lines_unchanged) == (3, 0, 0)
    assert result.accounts_created == ["华东钢铁集团", "南方制药"]  # in file order
    steel = Account.objects.get(code="C001")
    march = AccountMonth.objects.get(account=steel, month=date(2024, 3, 1))
    assert march.revenue == Decimal("1500.00")
    assert march.cost == Decimal("1000.00")
    assert (march.lines, march.orders) == (2, 1)
    assert march.paid_amount == Decimal("1000.00")
    assert march.paid_days_amount == Decimal("30000.00")  # 30 days × 1000
    line = OrderLine.objects.get(order_no="SO-2")
    assert line.paid_date == date(2024, 5, 1) and line.days_to_pay == 30
    # Payments count in the month the money came: April for C001, May for C002.
    april = AccountMonth.objects.get(account=steel, month=date(2024, 4, 1))
    assert (april.revenue, april.collected, march.collected) == (0, Decimal("1000.00"), 0)
    may = AccountMonth.objects.get(account__code="C002", month=date(2024, 5, 1))
    assert (may.revenue, may.collected) == (0, Decimal("100.00"))
    assert result.months_refreshed == 4


def test_reimport_is_idempotent(tmp_path):
    path = write_csv(tmp_path, GOOD)
    import_orders(path)
    before = snapshot()[:3]
    again = import_orders(path)
    assert (again.lines_added, again.lines_updated, again.lines_unchanged) == (0, 0, 3)
    assert again.accounts_created == []
    assert snapshot()[:3] == before


@pytest.mark.parametrize("whole_source_from", [0, 20_000], ids=["whole-source", "in-lists"])
def test_overlapping_file_adds_new_and_updates_changed(tmp_path, monkeypatch, whole_source_from):
    monkeypatch.setattr(writer, "WHOLE_SOURCE_FROM", whole_source_from)
    import_orders(write_csv(tmp_path, GOOD))
    overlap = [
        GOOD[0],
        "C001,华东钢铁集团,SO-1,2,2024-03-05,阀门,2,250,600.00,300.00,,",  # amount changed
        "C002,南方制药,SO-3,1,2024-04-20,密封件,1,20,20.00,12.00,,",  # new
    ]
    result = import_orders(write_csv(tmp_path, overlap, name="april.csv"))
    assert (result.lines_added, result.lines_updated, result.lines_unchanged) == (1, 1, 1)
    assert OrderLine.objects.count() == 4
    steel = Account.objects.get(code="C001")
    assert AccountMonth.objects.get(account=steel, month=date(2024, 3, 1)).revenue == Decimal(
        "1600.00"
    )
    pharma_april = AccountMonth.objects.get(account__code="C002", month=date(2024, 4, 1))
    assert (pharma_april.revenue, pharma_april.orders) == (Decimal("120.00"), 2)


def test_line_moved_to_another_month_leaves_the_old_month_empty(tmp_path):
    import_orders(write_csv(tmp_path, GOOD))
    moved = GOOD[2].replace("2024/4/1", "2024-06-01")
    import_orders(write_csv(tmp_path, [moved], name="fix.csv"))
    months = set(AccountMonth.objects.filter(account__code="C002").values_list("month", flat=True))
    assert months == {date(2024, 6, 1), date(2024, 5, 1)}  # ordered in June, paid in May


def test_lines_without_line_numbers_are_numbered_within_their_order(tmp_path):
    header = "Customer ID,Customer Name,Order ID,Order Date,Product Name,Sales"
    rows = [
        "A1,Acme,O-1,2024-01-02,x,10",
        "A1,Acme,O-2,2024-01-03,y,20",
        "A1,Acme,O-1,2024-01-02,z,30",
    ]
    import_orders(write_csv(tmp_path, rows, header=header))
    numbered = list(
        OrderLine.objects.order_by("order_no", "line_no").values_list(
            "order_no", "line_no", "product_name"
        )
    )
    assert numbered == [("O-1", 1, "x"), ("O-1", 2, "z"), ("O-2", 1, "y")]
    assert import_orders(write_csv(tmp_path, rows, header=header)).lines_unchanged == 3


def test_cost_from_gross_profit_and_discount_from_rate(tmp_path):
    header = "Customer ID,Order ID,Order Date,Sales,Quantity,Discount,Profit"
    import_orders(
        write_csv(tmp_path, ['A1,O-1,2024-01-02," $800.00 ",2,20.00%," $-50.00 "'], header=header)
    )
    line = OrderLine.objects.get()
    assert line.amount == Decimal("800.00")
    assert line.cost == Decimal("850.00")
    assert line.discount == Decimal("200.00")  # 800 is 80% of 1000


def test_accounts_matched_by_code_then_by_name(tmp_path):
    Account.objects.create(name="华东钢铁集团", code=None)
    Account.objects.create(name="南方制药", code="C002")
    result = import_orders(write_csv(tmp_path, GOOD))
    assert result.accounts_created == []
    assert Account.objects.get(name="华东钢铁集团").code == "C001"  # adopted the code
    assert Account.objects.count() == 2


def test_dry_run_reports_and_writes_nothing(tmp_path):
    before = snapshot()
    result = import_orders(write_csv(tmp_path, GOOD), dry_run=True)
    assert result.lines_added == 3 and len(result.accounts_created) == 2
    assert snapshot() == before


# ------------------------------------------------------------------ bad input

BAD_INPUTS = {
    "money": (["C001,甲,SO-1,1,2024-03-05,x,1,1,abc,0,,"], 2, "金额", "abc"),
    "date": (["C001,甲,SO-1,1,2024-13-45,x,1,1,1,0,,"], 2, "日期", "2024-13-45"),
    "implausible_date": (["C001,甲,SO-1,1,1850-01-01,x,1,1,1,0,,"], 2, "日期", "1850-01-01"),
    "no_customer": ([GOOD[0], ",,SO-9,1,2024-03-05,x,1,1,1,0,,"], 3, "客户编码", ""),
    "missing": (["C001,甲,,1,2024-03-05,x,1,1,1,0,,"], 2, "单据编号", ""),
    "integer": (["C001,甲,SO-1,x,2024-03-05,x,1,1,1,0,,"], 2, "行号", "x"),
    "duplicate": ([GOOD[0], GOOD[0]], 3, "行号", "SO-1/1"),
    "too_long": ([f"C001,甲,{'S' * 70},1,2024-03-05,x,1,1,1,0,,"], 2, "单据编号", "S" * 70),
    "too_large": (
        ["C001,甲,SO-1,1,2024-03-05,x,1,1,99999999999999999,0,,"],
        2,
        "金额",
        "99999999999999999",
    ),
    "no_amount": (["C001,甲,SO-1,1,2024-03-05,x,,1,,0,,"], 2, "金额", ""),
    "paid_money": (["C001,甲,SO-1,1,2024-03-05,x,1,1,1,0,一千,"], 2, "回款金额", "一千"),
    "paid_date": (["C001,甲,SO-1,1,2024-03-05,x,1,1,1,0,1,yesterday"], 2, "回款日期", "yesterday"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_one_bad_row_writes_nothing_and_names_row_column_value(tmp_path, kind):
    rows, row, column, value = BAD_INPUTS[kind]
    path = write_csv(tmp_path, [*GOOD, *rows])
    row += len(GOOD)
    before = snapshot()
    with pytest.raises(ImportRejected) as caught:
        import_orders(path)
    assert snapshot() == before
    problems = [(p.row, p.column, p.value) for p in caught.value.problems]
    assert (row, column, value) in problems, problems
    assert all(p.reason for p in caught.value.problems)


def test_ambiguous_dates_ask_for_the_date_order(tmp_path):
    rows = ["C001,甲,SO-1,1,03/05/2024,x,1,1,1,0,,", "C001,甲,SO-2,1,04/06/2024,x,1,1,1,0,,"]
    path = write_csv(tmp_path, rows)
    with pytest.raises(ImportRejected) as caught:
        import_orders(path)
    assert {p.code for p in caught.value.problems} == {"ambiguous_date"}
    import_orders(path, date_order="DMY")
    assert set(OrderLine.objects.values_list("order_date", flat=True)) == {
        date(2024, 5, 3),
        date(2024, 6, 4),
    }


def test_discount_rate_of_100_percent_is_refused(tmp_path):
    header = "Customer ID,Order ID,Order Date,Sales,Discount"
    with pytest.raises(ImportRejected) as caught:
        import_orders(write_csv(tmp_path, ["A1,O-1,2024-01-02,5,100%"], header=header))
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [
        (2, "Discount", "rate_too_high")
    ]


def test_missing_required_column_is_reported_for_the_file(tmp_path):
    with pytest.raises(ImportRejected) as caught:
        import_orders(
            write_csv(tmp_path, ["A1,2024-01-02,5"], header="Customer ID,Order Date,Sales")
        )
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [
        (None, "order_no", "missing_column")
    ]
    assert OrderLine.objects.count() == 0


def test_unreadable_and_empty_files_are_refused(tmp_path):
    corrupt = tmp_path / "orders.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(ImportFileError):
        import_orders(corrupt)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportFileError):
        import_orders(empty)
    assert OrderLine.objects.count() == 0 and Account.objects.count() == 0


def test_unknown_mapping_field_is_refused(tmp_path):
    with pytest.raises(MappingError):
        import_orders(write_csv(tmp_path, GOOD), mapping={"金额": "revenue_of_doom"})


def test_map_overrides_recognised_headers(tmp_path):
    header = "Kunde,Beleg,Datum,Betrag"
    result = import_orders(
        write_csv(tmp_path, ["K1,B-1,2024-01-02,12.50"], header=header),
        mapping={
            "Kunde": "customer_code",
            "Beleg": "order_no",
            "Datum": "order_date",
            "Betrag": "amount",
        },
    )
    assert result.lines_added == 1
    assert OrderLine.objects.get().amount == Decimal("12.50")


def test_report_in_chinese_and_english(tmp_path):
    path = write_csv(tmp_path, ["C001,甲,SO-1,1,2024-03-05,x,1,1,abc,0,,"])
    for language, word in (
        ("zh-hans", "不是数字或金额"),
        ("en", "is not a number or an amount of money"),
    ):
        with translation.override(language):
            with pytest.raises(ImportRejected) as caught:
                import_orders(path)
            text = "\n".join(caught.value.lines())
        assert "2" in text and word in text and "abc" in text


def test_import_killed_mid_file_leaves_database_unchanged(tmp_path, monkeypatch):
    import_orders(write_csv(tmp_path, GOOD, name="first.csv"))
    before = snapshot()
    monkeypatch.setattr(writer, "CHUNK", 2)
    rows = [
        f"C{i % 7:03d},客户{i % 7},SO-{100 + i // 3},{i % 3 + 1},2024-05-0{1 + i % 9},x,1,10,10,6,,"
        for i in range(30)
    ]

    def crash_after_some_rows(done, total):
        if done >= 4:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        import_orders(
            write_csv(tmp_path, [*GOOD, *rows], name="second.csv"), progress=crash_after_some_rows
        )
    assert snapshot() == before


def test_gbk_and_bom_encodings(tmp_path):
    import_orders(write_csv(tmp_path, GOOD[:1], name="gbk.csv", encoding="gbk"))
    import_orders(write_csv(tmp_path, GOOD[1:], name="bom.csv", encoding="utf-8-sig"))
    assert set(Account.objects.values_list("name", flat=True)) == {"华东钢铁集团", "南方制药"}
    assert OrderLine.objects.count() == 3


def test_xlsx_with_chinese_headers_and_real_dates(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["销售明细表"])
    sheet.append([])
    sheet.append(["客户编码", "客户名称", "单据号", "日期", "金额"])
    sheet.append(["C9", "西部水务", "X-1", date(2024, 2, 29), 1234.5])
    sheet.append(["C9", "西部水务", "X-2", 45352, "￥2,000.00"])  # 45352 = 2024-03-01 as a serial
    path = tmp_path / "orders.xlsx"
    book.save(path)
    import_orders(path)
    lines = list(OrderLine.objects.order_by("order_no").values_list("order_date", "amount"))
    assert lines == [
        (date(2024, 2, 29), Decimal("1234.50")),
        (date(2024, 3, 1), Decimal("2000.00")),
    ]


# ------------------------------------------------------------------ the shared files


def cents(value) -> Decimal:
    """SQLite keeps decimals as doubles, so a SUM over thousands of rows needs rounding."""
    return Decimal(value).quantize(Decimal("0.01"))


def superstore_totals(path: Path) -> tuple[Decimal, Decimal]:
    """Sales and profit of the customer rows, computed with the csv module alone.

    (The file's own "Grand Total" row, $22,97,200.86, was computed before the lines were
    rounded to cents, so it is 0.21 off the sum of the lines as written.)
    """
    revenue = profit = Decimal(0)
    with path.open(encoding="cp1252", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Customer ID"].strip():
                revenue += _dollars(row[" Sales "])
                profit += _dollars(row[" Profit "])
    return revenue, profit


def _dollars(text: str) -> Decimal:
    text = text.strip().replace("$", "").replace(",", "")
    return Decimal(0) if text == "-" else Decimal(text)


def test_superstore_file_imports_with_two_options():
    path = SHARED / "superstore_sales.csv"
    with pytest.raises(ImportRejected) as caught:
        import_orders(path, source="superstore", date_order="MDY")
    assert {p.code for p in caught.value.problems} == {"no_customer"}
    skipped = caught.value.total_problems
    result = import_orders(path, source="superstore", date_order="MDY", skip_unidentified=True)
    assert result.lines_added == 9994
    assert result.rows_skipped == skipped
    assert len(result.accounts_created) == 793
    revenue, profit = superstore_totals(path)
    totals = OrderLine.objects.aggregate(revenue=Sum("amount"), cost=Sum("cost"))
    assert cents(totals["revenue"]) == revenue
    assert cents(totals["revenue"] - totals["cost"]) == profit
    assert cents(AccountMonth.objects.aggregate(r=Sum("revenue"))["r"]) == revenue
    again = import_orders(path, source="superstore", date_order="MDY", skip_unidentified=True)
    assert (again.lines_added, again.lines_unchanged) == (0, 9994)


def test_online_retail_file_imports(tmp_path):
    path = SHARED / "online_retail_sample.xlsx"
    result = import_orders(path, source="online-retail", skip_unidentified=True)
    assert result.rows_skipped == 10057
    assert result.lines_added == 40000 - 10057
    returns = OrderLine.objects.filter(order_no__startswith="C")
    assert returns.exists() and not returns.filter(amount__gt=0).exists()
    assert OrderLine.objects.filter(cost__isnull=False).count() == 0
    month = AccountMonth.objects.aggregate(u=Sum("uncosted_revenue"), r=Sum("revenue"))
    assert month["u"] == month["r"]


def test_cli_prints_summary_and_report(tmp_path, capsys, finance_user):
    good = str(write_csv(tmp_path, GOOD))
    call_command("import", "orders", good, "--lang", "en", "--as", "finance_user")
    out = capsys.readouterr().out
    assert "lines added: 3" in out
    bad = write_csv(tmp_path, ["C001,甲,SO-1,1,2024-03-05,x,1,1,abc,0,,"], name="bad.csv")
    report = tmp_path / "report.csv"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "import", "orders", str(bad), "--lang", "en", "--report", str(report), "--as", "boss"
        )
    assert "abc" in report.read_text(encoding="utf-8-sig")
    assert ImportBatch.objects.get().imported_by == finance_user


def test_cli_imports_only_as_someone_who_may_import(tmp_path, cast):
    """The CLI asks the access layer like the import page: no --as, an unknown user or a
    KAM is refused, and nothing is written."""
    from django.core.management.base import CommandError

    good = str(write_csv(tmp_path, GOOD))
    for extra in ([], ["--as", "nobody"], ["--as", "owner_kam"]):
        with pytest.raises(CommandError):
            call_command("import", "orders", good, "--lang", "en", *extra)
    assert not OrderLine.objects.exists()
    call_command("import", "orders", good, "--dry-run")  # a dry run writes nothing anyway


def rollup_rows() -> list[tuple]:
    fields = [f.name for f in AccountMonth._meta.fields if f.name != "id"]
    return sorted(AccountMonth.objects.values_list(*fields))


def test_rollup_summed_in_polars_equals_the_sql_recomputation(tmp_path):
    rows = [
        *GOOD,
        "C001,华东钢铁集团,TH-1,1,2024-03-20,轴承,-1,100,-100.00,-70.00,-100.00,2024-03-25",
        "C001,华东钢铁集团,SO-4,1,2024-04-02,服务,1,50,50.00,,50.00,2024-06-30",
        "C003,北方电力,SO-5,1,2024-04-02,泵,3,10,30.00,20.00,10.00,2024-04-03",
    ]
    import_orders(write_csv(tmp_path, rows))  # every account-month is new: summed in Polars
    from_polars = rollup_rows()
    months = sorted(set(AccountMonth.objects.values_list("month", flat=True)))
    AccountMonth.objects.all().delete()
    refresh_rollup(list(Account.objects.values_list("id", flat=True)), months)  # SQL
    assert rollup_rows() == from_polars


@pytest.mark.parametrize("date", ["01/02/2024", "garbage"])
def test_headers_named_like_the_fields_still_get_a_report(tmp_path, date):
    header = "customer_code,customer_name,order_no,order_date,amount"
    with pytest.raises(ImportRejected) as caught:
        import_orders(write_csv(tmp_path, [f"C1,Acme,O5,{date},100"], header=header))
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(2, "order_date", date)]


def test_a_file_whose_rows_are_all_skipped_imports_nothing(tmp_path):
    import_orders(write_csv(tmp_path, GOOD))
    result = import_orders(
        write_csv(tmp_path, [",,SO-9,1,2024-03-05,x,1,1,1,0,,"], name="x.csv"),
        skip_unidentified=True,
    )
    assert (result.lines_added, result.rows_skipped, result.months_refreshed) == (0, 1, 0)


def test_months_refreshed_counts_each_account_month_once(tmp_path):
    import_orders(write_csv(tmp_path, [GOOD[0], "C002,南方制药,SO-2,1,2024-01-05,x,1,1,10,5,,"]))
    more = [
        "C001,华东钢铁集团,SO-7,1,2024-03-06,x,1,1,10,5,,",  # stored month
        "C001,华东钢铁集团,SO-8,1,2024-06-06,x,1,1,10,5,,",  # new month
        "C002,南方制药,SO-9,1,2024-03-06,x,1,1,10,5,,",  # new month
    ]
    assert import_orders(write_csv(tmp_path, more, name="more.csv")).months_refreshed == 3


def test_cli_report_holds_a_files_formulas_as_text(tmp_path, boss):
    """`--report` writes the same neutralised CSV as the page: a leading apostrophe."""
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER.split(","))
        for number, name in enumerate(FORMULA_NAMES):
            writer.writerow([f"F{number}", name, f"SO-{number}", 1, "2024-03-05"] + [name] * 7)
    report = tmp_path / "report.csv"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "import", "orders", str(bad), "--lang", "en", "--report", str(report), "--as", "boss"
        )
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Value", "Reason"]
    values = {row[2] for row in rows[1:]}
    assert values == {"'" + name for name in FORMULA_NAMES}
