"""Malformed files that once crashed one database or stored something else than the file said.

Each case is refused with a row-level reason, or imported exactly; never a traceback, and
the same on SQLite and PostgreSQL (run this file with DATABASE_URL set for the second).
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from kam.accounts.models import Account
from kam.sales.importing.pipeline import MONEY_LIMIT, QUANTITY_LIMIT
from kam.sales.importing.readers import ImportFileError
from kam.sales.importing.report import PAGE
from kam.sales.models import AccountMonth, OrderLine
from kam.sales.services import ImportRejected, import_orders

from .test_import import snapshot, write_csv

pytestmark = pytest.mark.django_db
HEADER = "客户编码,客户名称,单据编号,行号,日期,数量,单价,金额,成本"


def refused(path: Path, **options) -> ImportRejected:
    """Import a file that must be refused; prove that it wrote nothing."""
    before = snapshot()
    with pytest.raises(ImportRejected) as caught:
        import_orders(path, **options)
    assert snapshot() == before
    return caught.value


def reasons(rejected: ImportRejected) -> set[tuple]:
    return {(p.row, p.code) for p in rejected.problems}


# --- limits on what is stored ---------------------------------------------------------------


def test_the_limits_follow_the_models_digits_and_sqlites_precision():
    """15 significant digits survive SQLite's floats: 13 before the point for money
    (2 decimals), 11 for quantities and unit prices (4 decimals)."""
    assert MONEY_LIMIT == 10**13
    assert QUANTITY_LIMIT == 10**11


def test_the_largest_amount_kam_stores_keeps_its_cents(tmp_path):
    rows = ["C1,甲,SO-1,1,2024-03-05,1,,9999999999999.99,"]
    import_orders(write_csv(tmp_path, rows, HEADER))
    line = OrderLine.objects.get()
    assert line.amount == Decimal("9999999999999.99")
    assert AccountMonth.objects.get().revenue == Decimal("9999999999999.99")


def test_an_amount_that_would_lose_its_cents_is_refused(tmp_path):
    rows = ['C1,甲,SO-1,1,2024-03-05,1,,"9,999,999,999,999,999.99",']
    rejected = refused(write_csv(tmp_path, rows, HEADER))
    assert reasons(rejected) == {(2, "too_large")}
    (problem,) = rejected.problems
    assert problem.column == "金额" and problem.value == "9,999,999,999,999,999.99"
    with translation.override("en"):
        assert "9,999,999,999,999.99" in problem.reason


def test_a_derived_amount_over_the_limit_is_refused(tmp_path):
    """No amount column: quantity × unit price is what would be stored."""
    header = "客户编码,单据编号,日期,数量,单价"
    rejected = refused(write_csv(tmp_path, ["C1,SO-1,2024-03-05,100000,99999999999"], header))
    assert reasons(rejected) == {(2, "too_large")}


def test_three_lines_whose_month_total_overflows_are_refused_row_by_row(tmp_path):
    """Each line fits the column, their month's sum in the rollup would not."""
    rows = [f"C1,甲,SO-{i},1,2024-03-0{i},1,,4000000000000.00," for i in (1, 2, 3)]
    rows.append("C2,乙,SO-9,1,2024-03-01,1,,4000000000000.00,")  # another customer: fine
    rejected = refused(write_csv(tmp_path, rows, HEADER))
    assert reasons(rejected) == {
        (2, "month_too_large"),
        (3, "month_too_large"),
        (4, "month_too_large"),
    }
    with translation.override("en"):
        reason = rejected.problems[0].reason
    assert "C1" in reason and "2024-03" in reason and "12,000,000,000,000.00" in reason


def test_a_month_that_overflows_with_lines_stored_earlier_is_refused(tmp_path):
    first = ["C1,甲,SO-1,1,2024-03-01,1,,6000000000000.00,"]
    import_orders(write_csv(tmp_path, first, HEADER, name="march.csv"))
    second = ["C1,甲,SO-2,1,2024-03-20,1,,6000000000000.00,"]
    rejected = refused(write_csv(tmp_path, second, HEADER, name="late.csv"))
    assert reasons(rejected) == {(2, "month_too_large")}
    assert AccountMonth.objects.get().revenue == Decimal("6000000000000.00")


def test_a_month_total_under_the_limit_imports(tmp_path):
    rows = [f"C1,甲,SO-{i},1,2024-03-0{i},1,,3000000000000.00," for i in (1, 2, 3)]
    import_orders(write_csv(tmp_path, rows, HEADER))
    assert AccountMonth.objects.get().revenue == Decimal("9000000000000.00")


# --- codes and names ------------------------------------------------------------------------


def test_a_full_width_code_finds_its_account(tmp_path):
    import_orders(write_csv(tmp_path, ["C00003,华东钢铁,SO-1,1,2024-03-05,1,,10.00,"], HEADER))
    wide = ["Ｃ００００３,华东钢铁,SO-2,1,2024-03-06,1,,20.00,"]
    result = import_orders(write_csv(tmp_path, wide, HEADER, name="wide.csv"))
    assert result.accounts_created == []
    account = Account.objects.get()
    assert account.code == "C00003"
    assert account.order_lines.count() == 2


def test_names_differing_only_in_spaces_are_one_account(tmp_path):
    header = "客户名称,单据编号,日期,金额"
    rows = [
        "华东　钢铁 集团,SO-1,2024-03-05,10",  # an ideographic space
        " 华东 钢铁  集团 ,SO-2,2024-03-05,10",
    ]
    import_orders(write_csv(tmp_path, rows, header))
    assert list(Account.objects.values_list("name", flat=True)) == ["华东 钢铁 集团"]


# --- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("character", "name"),
    [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x07", "U+0007"), ("\u202e", "U+202E")],
)
def test_control_characters_in_a_name_are_refused_with_their_code_point(tmp_path, character, name):
    rows = [f"C1,华东{character}钢铁,SO-1,1,2024-03-05,1,,10.00,"]
    rejected = refused(write_csv(tmp_path, rows, HEADER))
    (problem,) = rejected.problems
    assert (problem.row, problem.column, problem.code) == (2, "客户名称", "control_character")
    assert name in problem.reason


def test_tabs_and_line_breaks_inside_a_name_become_one_space(tmp_path):
    rows = ['C1,"华东\t钢铁\n集团",SO-1,1,2024-03-05,1,,10.00,']
    import_orders(write_csv(tmp_path, rows, HEADER))
    assert Account.objects.get().name == "华东 钢铁 集团"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2025-13-45", "2024-02-30", "2024年13月1日", "45/13/2024"])
def test_a_date_that_does_not_exist_is_called_impossible(tmp_path, text):
    rows = [f"C1,甲,SO-1,1,{text},1,,10.00,", "C1,甲,SO-2,1,2024-03-05,1,,10.00,"]
    rejected = refused(write_csv(tmp_path, rows, HEADER))
    assert reasons(rejected) == {(2, "impossible_date")}
    with translation.override("en"):
        assert "format" not in rejected.problems[0].reason


def test_a_day_that_does_not_exist_in_the_chosen_order_is_impossible(tmp_path):
    rows = ["C1,甲,SO-1,1,31/02/2024,1,,10.00,"]
    rejected = refused(write_csv(tmp_path, rows, HEADER), date_order="DMY")
    assert reasons(rejected) == {(2, "impossible_date")}


def test_a_date_that_misses_the_given_format_names_the_format(tmp_path):
    rows = ["C1,甲,SO-1,1,2024-03-05,1,,10.00,"]
    rejected = refused(write_csv(tmp_path, rows, HEADER), date_format="%d.%m.%Y")
    assert reasons(rejected) == {(2, "not_in_format")}
    with translation.override("en"):
        (problem,) = rejected.problems
        assert "%d.%m.%Y" in problem.reason and "--date-format" in problem.reason
        assert "--" not in problem.reason_for(PAGE)


# --- encodings ------------------------------------------------------------------------------


def test_a_file_mixing_utf8_and_gbk_says_so_and_names_the_first_gbk_line(tmp_path):
    utf8 = "\n".join([HEADER, *(f"C{i},华东钢铁,SO-{i},1,2024-03-05,1,,10.00," for i in range(5))])
    gbk = "C9,南方制药,SO-9,1,2024-03-05,1,,10.00,"
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8.encode("utf-8") + b"\n" + gbk.encode("gbk") + b"\n")
    with translation.override("en"), pytest.raises(ImportFileError) as caught:
        import_orders(path)
    message = str(caught.value)
    assert "mixes encodings" in message and "line 7" in message
    assert "cp1252" not in message


def test_a_pure_gbk_file_still_imports(tmp_path):
    rows = ["C1,南方制药,SO-1,1,2024-03-05,1,,10.00,"]
    import_orders(write_csv(tmp_path, rows, HEADER, encoding="gbk"))
    assert Account.objects.get().name == "南方制药"
    assert OrderLine.objects.get().order_date == date(2024, 3, 5)
