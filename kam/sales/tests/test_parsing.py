"""The cell parsers: every documented example, and round trips over generated values."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.sales.importing.parsing import dates, infer_date_order, integer, is_blank, money, percent

CANONICAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def run(expr_for, values, **kwargs):
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(expr_for("v", **kwargs)).to_series().to_list()


def one(expr_for, value, **kwargs):
    return run(expr_for, [value], **kwargs)[0]


# --- is_blank -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, "", " ", "\t\n", "\u00a0", "\u3000", "\u2009 \u202f", "\u200b", "\ufeff "]
)
def test_blank(value):
    assert one(lambda c: is_blank(c), value) is True


@pytest.mark.parametrize("value", ["x", " 0 ", "-", "\u00a0a"])
def test_not_blank(value):
    assert one(lambda c: is_blank(c), value) is False


# --- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,234.50", "1234.50"),
        ("￥1,234.50", "1234.50"),
        ("$261.96", "261.96"),
        (" $261.96 ", "261.96"),
        (" $-9.90 ", "-9.90"),
        ("-$9.90", "-9.90"),
        (" $-   ", "0"),
        ("-", "0"),
        ("-$", "0"),
        ("(12.00)", "-12.00"),
        ("($12.00)", "-12.00"),
        (" 1 234,00 ", "1234.00"),
        ("1\u00a0234,00", "1234.00"),
        ("1.234,56", "1234.56"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("$22,97,200.86", "2297200.86"),
        (" $-1,189.10 ", "-1189.10"),
        ("1234,5", "1234.5"),
        ("0,500", "0.500"),
        ("1,234", "1234"),
        ("RMB 100", "100"),
        ("rmb100", "100"),
        ("100元", "100"),
        ("100 元", "100"),
        ("CNY 100", "100"),
        ("€5", "5"),
        ("£5", "5"),
        ("5 €", "5"),
        ("+5", "5"),
        ("1.234,56-", "-1234.56"),
        ("-0.00", "0.00"),
        ("0", "0"),
        ("0012", "12"),
        ("-0012.5", "-12.5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("１，２３４．５", "1234.5"),
        ("（１２）", "-12"),
        ("1'234.50", "1234.50"),
        ("261.96", "261.96"),
        ("-9.9", "-9.9"),
    ],
)
def test_money_accepts(text, expected):
    assert one(money, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "12.3.4",
        "1,23,4.5.6",
        "--5",
        "+-5",
        "-5-",
        "20.00%",
        "1e3",
        "$",
        "()",
        "(-5)",
        "(5",
        "$5元",
        "5$5",
        "1 2",
        "1,2,3",
        ".",
        ",",
        "12,34,5",
        "N/A",
    ],
)
def test_money_rejects(text):
    assert one(money, text) is None


@pytest.mark.parametrize("text", [None, "", "   ", "\u00a0"])
def test_money_blank_is_null(text):
    assert one(money, text) is None


def test_money_keeps_the_column_name_and_works_lazily():
    frame = pl.LazyFrame({"Sales": [" $1,000.00 ", None]})
    result = frame.with_columns(money("Sales")).collect()
    assert result["Sales"].to_list() == ["1000.00", None]


def test_money_on_an_all_null_column():
    frame = pl.DataFrame({"v": [None, None]})
    assert frame.select(money("v")).to_series().to_list() == [None, None]


def _group(digits: str, separator: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return separator.join([digits, *groups])


def _format(value: Decimal, style: str) -> str:
    """Write a 2-decimal amount the way one kind of export does."""
    sign, digits = ("-" if value < 0 else ""), f"{abs(value):.2f}"
    whole, fraction = digits.split(".")
    return {
        "plain": f"{sign}{whole}.{fraction}",
        "us": f"{sign}{_group(whole, ',')}.{fraction}",
        "dollar": f" ${sign}{_group(whole, ',')}.{fraction} ",
        "yuan": f"{sign}¥{_group(whole, ',')}.{fraction}",
        "suffix": f"{sign}{whole}.{fraction}元",
        "european": f"{sign}{_group(whole, '.')},{fraction}",
        "french": f"{sign}{_group(whole, ' ')},{fraction}",
        "sap": f"{_group(whole, '.')},{fraction}{'-' if sign else ''}",
        "accounting": f"({_group(whole, ',')}.{fraction})" if sign else f"{whole}.{fraction}",
        "fullwidth": (sign + _group(whole, ",") + "." + fraction).translate(
            {ord(c): ord(c) + 0xFEE0 for c in "0123456789,.-"}
        ),
    }[style]


STYLES = [
    "plain",
    "us",
    "dollar",
    "yuan",
    "suffix",
    "european",
    "french",
    "sap",
    "accounting",
    "fullwidth",
]
AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False
)


@given(value=AMOUNTS, style=st.sampled_from(STYLES))
def test_money_round_trip(value, style):
    text = _format(value, style)
    parsed = one(money, text)
    assert parsed is not None, text
    assert Decimal(parsed) == value, text
    assert CANONICAL.match(parsed)


@given(
    value=st.integers(0, 6).flatmap(
        lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places)
    )
)
def test_money_reads_python_decimal_text(value):
    text = format(value, "f")
    assert Decimal(one(money, text)) == value


@given(text=st.text(max_size=20))
@settings(max_examples=300)
def test_money_never_fails_and_is_canonical_or_null(text):
    parsed = one(money, text)
    assert parsed is None or CANONICAL.match(parsed)


def test_money_fast_and_general_paths_together():
    values = ["1.5", " $2.00 ", None, "007", "x", "3"]
    assert run(money, values) == ["1.5", "2.00", None, "7", None, "3"]


# --- percent --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20.00%", "0.2"),
        ("20%", "0.2"),
        ("0.2", "0.2"),
        ("0.20", "0.2"),
        ("２０％", "0.2"),
        ("0.00%", "0"),
        ("5%", "0.05"),
        ("45.00%", "0.45"),
        ("100%", "1"),
        ("0.125%", "0.00125"),
        ("-3.5%", "-0.035"),
        ("1,5%", "0.015"),
        (" 7 % ", "0.07"),
        ("-0%", "0"),
        (".5", "0.5"),
    ],
)
def test_percent_accepts(text, expected):
    assert one(percent, text) == expected


@pytest.mark.parametrize("text", ["abc", "%", "20%%", "1.2.3%", "$5", None, "  "])
def test_percent_rejects(text):
    assert one(percent, text) is None


@given(
    value=st.decimals(min_value=Decimal("-10"), max_value=Decimal("10"), places=4),
    as_percent=st.booleans(),
)
def test_percent_round_trip(value, as_percent):
    text = f"{value * 100:f}%" if as_percent else f"{value:f}"
    parsed = one(percent, text)
    assert Decimal(parsed) == value
    assert CANONICAL.match(parsed)
    assert not parsed.endswith("0") or "." not in parsed


# --- integer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("3.0", 3),
        (" 3 ", 3),
        ("3.00", 3),
        ("+4", 4),
        ("０７", 7),
        ("3.5", None),
        ("x", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("99999999999999999999999", None),
    ],
)
def test_integer(text, expected):
    assert one(integer, text) == expected


def test_integer_dtype():
    frame = pl.DataFrame({"v": ["1"]})
    assert frame.select(integer("v")).dtypes == [pl.Int64]


# --- infer_date_order -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["11-08-2016", "4/15/2017"], "MDY"),  # Superstore
        (["13/08/2016", "4/5/2017"], "DMY"),
        (["08/11/16", "25.12.16"], "DMY"),
        (["1/2/2016", "3/4/2016"], None),  # undecidable
        (["13/08/2016", "4/15/2017"], None),  # contradictory
        (["2016.11.08", "2024/3/5"], "YMD"),
        (["98/03/05"], "YMD"),
        (["45356", "2024年3月5日", "20240305", None], None),
        (["2024-03-05", "4/15/2017"], "MDY"),
        ([], None),
    ],
)
def test_infer_date_order(values, expected):
    assert infer_date_order(pl.Series(values, dtype=pl.String)) == expected


def test_infer_date_order_on_superstore_shapes():
    values = ["11-08-2016", "06-12-2016", "10-11-2015", "6/16/2016", "4/15/2017"]
    assert infer_date_order(pl.Series(values)) == "MDY"


# --- dates ----------------------------------------------------------------------------------


D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", D(2024, 3, 5)),
        ("2024-03-05 14:30:00", D(2024, 3, 5)),
        ("2024-03-05T14:30:00", D(2024, 3, 5)),
        ("2024-03-05 14:30:00.250", D(2024, 3, 5)),
        ("2024-03-05T20:00:00Z", D(2024, 3, 6)),
        ("2024-03-05T20:00:00+08:00", D(2024, 3, 5)),
        ("2024-03-05T15:59:59Z", D(2024, 3, 5)),
        ("2024-03-05T16:00:00Z", D(2024, 3, 6)),
        ("2024-03-05T23:00:00-05:00", D(2024, 3, 6)),
        ("2024-03-05T10:00:00-0500", D(2024, 3, 5)),
        ("2024-03-05 20:00 +00", D(2024, 3, 6)),
        ("2024/3/5", D(2024, 3, 5)),
        ("2024.3.5", D(2024, 3, 5)),
        ("2024年3月5日", D(2024, 3, 5)),
        ("2024年3月5日 14:30", D(2024, 3, 5)),
        ("2024年3月5日下午2:30", D(2024, 3, 5)),
        ("２０２４－０３－０５", D(2024, 3, 5)),
        ("20240305", D(2024, 3, 5)),
        ("45356", D(2024, 3, 5)),
        ("45356.5", D(2024, 3, 5)),
        ("61", D(1900, 3, 1)),
        ("2958465", D(9999, 12, 31)),
        ("2023-02-30", None),
        ("2024-13-01", None),
        ("2024-02-29", D(2024, 2, 29)),
        ("2023-02-29", None),
        ("20231301", None),
        ("0", None),
        ("2958466", None),
        ("2024-03-05T25:00:00Z", None),
        ("11-08-2016", None),  # needs an order
        ("x", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_without_order(text, expected):
    assert one(dates, text) == expected


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("11-08-2016", "MDY", D(2016, 11, 8)),
        ("4/15/2017", "MDY", D(2017, 4, 15)),
        ("4/15/2017", "DMY", None),
        ("11-08-2016", "DMY", D(2016, 8, 11)),
        ("08/11/16", "MDY", D(2016, 8, 11)),
        ("08/11/16", "DMY", D(2016, 11, 8)),
        ("08/11/16", "YMD", D(2008, 11, 16)),
        ("5.3.70", "DMY", D(1970, 3, 5)),
        ("5.3.69", "DMY", D(2069, 3, 5)),
        ("4/15/2017 14:30", "MDY", D(2017, 4, 15)),
        ("2/30/2017", "MDY", None),
        ("2024-03-05", "DMY", D(2024, 3, 5)),  # year-first needs no order
        ("45356", "MDY", D(2024, 3, 5)),
        ("11-08-216", "MDY", None),
    ],
)
def test_dates_with_order(text, order, expected):
    assert one(dates, text, order=order) == expected


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("05.03.2024", "%d.%m.%Y", D(2024, 3, 5)),
        ("Mar 05 2024", "%b %d %Y", D(2024, 3, 5)),
        ("2024-03-05", "%d.%m.%Y", None),
        ("2024-03-05T20:00:00+0000", "%Y-%m-%dT%H:%M:%S%z", D(2024, 3, 6)),
    ],
)
def test_dates_with_format(text, fmt, expected):
    assert one(dates, text, fmt=fmt) == expected


def test_dates_in_another_time_zone():
    assert one(dates, "2024-03-05T20:00:00Z", tz="UTC") == D(2024, 3, 5)
    assert one(dates, "2024-03-05T20:00:00Z", tz="America/New_York") == D(2024, 3, 5)


def test_dates_rejects_an_unknown_order():
    with pytest.raises(ValueError):
        dates("v", order="MYD")


def test_dates_dtype_and_mixed_paths():
    values = ["2024-03-05", "4/15/2017", None, "45356", "2024-03-05T20:00:00Z", "x"]
    frame = pl.DataFrame({"v": values})
    result = frame.select(dates("v", order="MDY")).to_series()
    assert result.dtype == pl.Date
    assert result.to_list() == [
        D(2024, 3, 5),
        D(2017, 4, 15),
        None,
        D(2024, 3, 5),
        D(2024, 3, 6),
        None,
    ]


DAYS = st.dates(min_value=D(1901, 1, 1), max_value=D(2099, 12, 31))


@given(day=DAYS, style=st.sampled_from(["iso", "slash", "dot", "chinese", "compact", "serial"]))
def test_dates_round_trip_without_order(day, style):
    text = {
        "iso": day.isoformat(),
        "slash": f"{day.year}/{day.month}/{day.day}",
        "dot": f"{day.year}.{day.month:02d}.{day.day:02d}",
        "chinese": f"{day.year}年{day.month}月{day.day}日",
        "compact": day.strftime("%Y%m%d"),
        "serial": str((day - D(1899, 12, 30)).days),
    }[style]
    assert one(dates, text) == day


@given(day=DAYS, order=st.sampled_from(["MDY", "DMY"]), sep=st.sampled_from("-/."))
def test_dates_round_trip_with_order(day, order, sep):
    first, second = (day.month, day.day) if order == "MDY" else (day.day, day.month)
    assert one(dates, f"{first}{sep}{second:02d}{sep}{day.year}", order=order) == day


@given(
    moment=st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    minutes=st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
)
def test_dates_with_offsets_take_the_date_in_the_time_zone(moment, minutes):
    zone = dt.timezone(dt.timedelta(minutes=minutes))
    stamp = moment.replace(microsecond=0, tzinfo=zone)
    expected = stamp.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert one(dates, stamp.isoformat()) == expected
