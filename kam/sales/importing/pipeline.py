"""From a raw table of strings to clean order lines, or to the list of what is wrong.

Everything here is vectorised Polars and touches no database, so a million rows are
checked in well under a second and the rules are tested without one.
"""

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from kam.sales.models import OrderLine

from . import parsing
from .report import Problem

DECIMAL = pl.Decimal(38, 6)
# SQLite keeps decimals as 8-byte floats and Django reads them back rounded to 15
# significant digits, so a figure is stored exactly on both databases only if it has at
# most 15 digits: 13 before the point for money (2 decimals), 11 for quantities and unit
# prices (4 decimals). Within the columns' max_digits=18, this is the binding limit, and
# the same on SQLite and PostgreSQL. The rollup's monthly sums have the same columns.
SQLITE_EXACT_DIGITS = 15


def stored_limit(model_field) -> int:
    """The first magnitude a DecimalField cannot hold exactly on every supported database."""
    digits = min(model_field.max_digits, SQLITE_EXACT_DIGITS)
    return 10 ** (digits - model_field.decimal_places)


MONEY_LIMIT = stored_limit(OrderLine._meta.get_field("amount"))  # 10**13
QUANTITY_LIMIT = stored_limit(OrderLine._meta.get_field("quantity"))  # 10**11
LIMITS = {
    "quantity": QUANTITY_LIMIT,
    "unit_price": QUANTITY_LIMIT,
    "amount": MONEY_LIMIT,
    "cost": MONEY_LIMIT,
    "discount": MONEY_LIMIT,
    "paid_amount": MONEY_LIMIT,
}
# Which file column a stored figure is reported against, in order of preference.
SOURCE_FIELDS = {
    "quantity": ("quantity",),
    "unit_price": ("unit_price",),
    "amount": ("amount", "unit_price", "quantity"),
    "cost": ("cost", "gross_profit", "amount"),
    "discount": ("discount_amount", "discount_rate", "amount"),
    "paid_amount": ("paid_amount",),
}
# Characters that are invisible or move the cursor: NUL (which PostgreSQL refuses), the
# other C0 and C1 controls, and the bidirectional overrides that make "abc" display as
# "cba". Tabs and line breaks are whitespace and become a single space.
CONTROL_CHARACTERS = "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
ZERO_WIDTH = "[\u200b\u2060\ufeff]"
TEXT_LIMITS = {
    "order_no": 64,
    "customer_code": 64,
    "customer_name": 200,
    "product_code": 64,
    "product_name": 255,
    "region": 100,
    "industry": 100,
}
OUTPUT_COLUMNS = [
    "__row",
    "customer_code",
    "customer_name",
    "region",
    "industry",
    "order_no",
    "line_no",
    "order_date",
    "product_code",
    "product_name",
    "quantity",
    "unit_price",
    "amount",
    "cost",
    "discount",
    "paid_amount",
    "paid_date",
]


@dataclass
class Options:
    date_order: str | None = None
    date_format: str | None = None
    skip_unidentified: bool = False
    time_zone: str = "Asia/Shanghai"


@dataclass
class Prepared:
    lines: pl.DataFrame  # OUTPUT_COLUMNS; money as canonical decimal strings
    problems: list[Problem]
    total_problems: int
    rows_skipped: int


class _Checker:
    """Collects problem masks, then evaluates them all in one pass over the frame."""

    def __init__(self, frame: pl.DataFrame, headers: dict[str, str]):
        self.frame = frame
        self.headers = headers  # field -> column name in the frame (= header shown to the user)
        self.checks: list[tuple[pl.Expr, str, str, dict]] = []
        self.problems: list[Problem] = []
        self.total = 0

    def flag(self, mask: pl.Expr, field: str, code: str, **params) -> None:
        self.checks.append((mask, field, code, params))

    def run(self) -> None:
        if not self.checks:
            return
        masks = self.frame.select(
            [mask.fill_null(False).alias(str(i)) for i, (mask, *_rest) in enumerate(self.checks)]
        )
        counts = masks.sum().row(0)
        for i, (_mask, field, code, params) in enumerate(self.checks):
            if counts[i]:
                self._collect(masks.get_column(str(i)), field, code, params, counts[i])

    def _collect(self, mask: pl.Series, field: str, code: str, params: dict, count: int) -> None:
        column = self.headers[field]
        hits = self.frame.filter(mask).select("__row", pl.col(column).alias("value"))
        self.total += count
        # Every one is kept: the downloadable report lists every bad row.
        pairs = tuple(sorted(params.items()))
        self.problems.extend(
            Problem(row, column, value or "", code, pairs) for row, value in hits.iter_rows()
        )


def _value(field: str) -> pl.Expr:
    """A parsed text, date or line number. Suffixed, so that a file whose header is the
    field's own name ("order_date") keeps its raw column for checks and the report."""
    return pl.col(f"{field}__v")


def _text(field: str, mapping: dict[str, str]) -> pl.Expr:
    """Codes and names as they are matched and stored: NFKC (full-width "Ｃ００００３" is
    "C00003"), zero-width characters dropped, runs of whitespace one space, no blank ends.
    A look-alike of a stored code or name then finds it instead of becoming a new one."""
    if field not in mapping:
        return pl.lit(None, dtype=pl.String).alias(f"{field}__v")
    return normalized(pl.col(mapping[field])).alias(f"{field}__v")


def normalized(text: pl.Expr) -> pl.Expr:
    return (
        text.str.normalize("NFKC")
        .str.replace_all(ZERO_WIDTH, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _decimal(expr: pl.Expr) -> pl.Expr:
    return expr.cast(DECIMAL, strict=False)


def prepare(
    frame: pl.DataFrame, mapping: dict[str, str], options: Options
) -> Prepared | list[Problem]:
    """Parse and check every row; return the clean lines or, with problems, the report rows.

    A missing required column is reported once for the whole file (row None).
    """
    missing = _missing_columns(mapping)
    if missing:
        return missing
    mapping = _resolve_discount(frame, mapping)
    frame, rows_skipped = _drop_unidentified(frame, mapping, options)
    orders = _date_orders(frame, mapping, options)
    parsed = frame.with_columns(_parse_exprs(mapping, options, orders))
    checker = _Checker(parsed, mapping)
    _check(mapping, options, orders, checker)
    checker.run()
    lines = _finish(parsed, mapping)
    _check_stored_limits(parsed, lines, checker, mapping)
    _check_duplicates(lines, checker, mapping)
    return Prepared(lines, checker.problems, checker.total, rows_skipped)


def _missing_columns(mapping: dict[str, str]) -> list[Problem]:
    problems = []
    if "customer_code" not in mapping and "customer_name" not in mapping:
        problems.append(_missing_column("customer_code"))
    for field in ("order_no", "order_date"):
        if field not in mapping:
            problems.append(_missing_column(field))
    if "amount" not in mapping and not {"quantity", "unit_price"} <= mapping.keys():
        problems.append(_missing_column("amount"))
    return problems


def _missing_column(field: str) -> Problem:
    return Problem(None, field, "", "missing_column", (("field", field),))


def _customer_blank(mapping: dict[str, str], *, parsed: bool = True) -> pl.Expr:
    blank = pl.lit(True)
    for field in ("customer_code", "customer_name"):
        if field in mapping:
            blank = blank & (_blank(field) if parsed else parsing.is_blank(mapping[field]))
    return blank


def _blank(field: str) -> pl.Expr:
    """Whether the cell was empty, computed once per column in `_parse_exprs`."""
    return pl.col(f"{field}__blank")


def _drop_unidentified(frame, mapping, options) -> tuple[pl.DataFrame, int]:
    """Rows without any customer are left out when asked to; otherwise they stay to be reported."""
    if not options.skip_unidentified:
        return frame, 0
    kept = frame.filter(~_customer_blank(mapping, parsed=False))
    return kept, frame.height - kept.height


def _date_orders(frame: pl.DataFrame, mapping, options: Options) -> dict[str, str | None]:
    """Day/month order per date column: as told, or read off the distinct values."""
    orders = {}
    for field in ("order_date", "paid_date"):
        if field in mapping:
            if options.date_order or options.date_format:
                orders[field] = options.date_order
            else:
                values = frame.get_column(mapping[field]).unique()
                orders[field] = parsing.infer_date_order(values)
    return orders


def _parse_exprs(mapping, options, orders) -> list[pl.Expr]:
    exprs = [_text(f, mapping) for f in TEXT_LIMITS]
    exprs += [
        parsing.is_blank(column).alias(f"{field}__blank") for field, column in mapping.items()
    ]
    for field in ("quantity", "unit_price", "amount", "cost", "gross_profit"):
        exprs.append(_numeric(field, mapping, parsing.money))
    for field in ("discount_amount", "paid_amount"):
        exprs.append(_numeric(field, mapping, parsing.money))
    exprs.append(_numeric("discount_rate", mapping, parsing.percent))
    if "line_no" in mapping:
        exprs.append(parsing.integer(mapping["line_no"]).alias("line_no__v"))
    for field in ("order_date", "paid_date"):
        if field in mapping:
            exprs.append(
                parsing.dates(
                    mapping[field],
                    order=orders[field],
                    fmt=options.date_format,
                    tz=options.time_zone,
                ).alias(f"{field}__v")
            )
    return exprs


def _numeric(field: str, mapping: dict[str, str], parser) -> pl.Expr:
    if field not in mapping:
        return pl.lit(None, dtype=DECIMAL).alias(f"{field}__num")
    return _decimal(parser(mapping[field])).alias(f"{field}__num")


def _resolve_discount(frame: pl.DataFrame, mapping: dict[str, str]) -> dict[str, str]:
    """A plain 'discount' column is a rate when its values carry a % sign, else an amount."""
    if "discount" not in mapping:
        return mapping
    mapping = dict(mapping)
    column = mapping.pop("discount")
    has_percent = frame.get_column(column).str.contains("%|％").any()
    mapping.setdefault("discount_rate" if has_percent else "discount_amount", column)
    return mapping


def _check(mapping, options, orders, checker: _Checker) -> None:
    no_customer = _customer_blank(mapping)
    first = "customer_code" if "customer_code" in mapping else "customer_name"
    checker.flag(no_customer, first, "no_customer")
    ok = ~no_customer  # rows without a customer get that one complaint only
    for field in ("order_no",):
        checker.flag(ok & _blank(field), field, "missing")
    _check_dates(mapping, options, orders, checker, ok)
    _check_numbers(mapping, checker, ok)
    for field, limit in TEXT_LIMITS.items():
        if field in mapping:
            checker.flag(ok & (_value(field).str.len_chars() > limit), field, "too_long", max=limit)
            _check_controls(field, checker, ok)
    if "line_no" in mapping:
        blank = _blank("line_no")
        checker.flag(ok & blank, "line_no", "missing")
        checker.flag(ok & ~blank & _value("line_no").is_null(), "line_no", "integer")


def _check_controls(field: str, checker: _Checker, ok: pl.Expr) -> None:
    """One problem per kind of control character found in the column, named by code point."""
    found = checker.frame.select(
        _value(field).str.extract_all(CONTROL_CHARACTERS).explode().unique().drop_nulls()
    ).to_series()
    for character in sorted(found.to_list()):
        name = f"U+{ord(character):04X}"
        has = _value(field).str.contains(character, literal=True)
        checker.flag(ok & has, field, "control_character", character=name)


def _check_dates(mapping, options, orders, checker, ok) -> None:
    for field in ("order_date", "paid_date"):
        if field not in mapping:
            continue
        column = mapping[field]
        blank = _blank(field)
        if field == "order_date":
            checker.flag(ok & blank, field, "missing")
        unread = ok & ~blank & _value(field).is_null()
        if options.date_format:
            checker.flag(unread, field, "not_in_format", format=options.date_format)
        else:
            _check_unread_date(pl.col(column), orders[field], field, checker, unread)
        year = _value(field).dt.year()
        checker.flag(ok & ((year < 1900) | (year > 2100)), field, "implausible_date")


def _check_unread_date(text: pl.Expr, order, field: str, checker, unread: pl.Expr) -> None:
    """Why kam could not read a date: it does not exist, its order is unknown, or its form."""
    impossible = _impossible_date(text, order)
    checker.flag(unread & impossible, field, "impossible_date")
    unread = unread & ~impossible
    if order is None:
        numeric = text.str.contains(r"^\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
        checker.flag(unread & numeric, field, "ambiguous_date")
        unread = unread & ~numeric
    checker.flag(unread, field, "date")


def _impossible_date(text: pl.Expr, order: str | None) -> pl.Expr:
    """A numeric date whose month or day cannot be, whichever way round it is read
    ("2025-13-45", "2024-02-30", "45/13/2024"): an answer no date order or format fixes."""
    parts = text.str.strip_chars().str.extract_groups(
        r"^(\d{1,4})[-/.年](\d{1,2})[-/.月](\d{1,4})日?(?:[ T].*)?$"
    )
    first, second, third = (parts.struct.field(str(i)) for i in (1, 2, 3))
    year_first = first.str.len_chars() == 4
    a, b = first.cast(pl.Int32, strict=False), second.cast(pl.Int32, strict=False)
    neither_way = (a > 12) & (b > 12) | (a > 31) | (b > 31) | (a == 0) | (b == 0)
    # With the year first, or the order known, a date that does not parse does not exist.
    return (
        pl.when(year_first)
        .then(third.str.len_chars() <= 2)
        .when(pl.lit(order in ("MDY", "DMY")))
        .then(third.str.len_chars().is_in([2, 4]))
        .otherwise(neither_way & third.str.len_chars().is_in([2, 4]))
        .fill_null(False)
    )


def _check_numbers(mapping, checker: _Checker, ok) -> None:
    for field in (
        "quantity",
        "unit_price",
        "amount",
        "cost",
        "gross_profit",
        "discount_amount",
        "paid_amount",
        "discount_rate",
    ):
        if field not in mapping:
            continue
        value = pl.col(f"{field}__num")
        code = "percent" if field == "discount_rate" else "money"
        checker.flag(ok & ~_blank(field) & value.is_null(), field, code)
    if "discount_rate" in mapping:
        checker.flag(ok & (pl.col("discount_rate__num") >= 1), "discount_rate", "rate_too_high")
    if "amount" in mapping:
        amount_blank = _blank("amount")
        underivable = pl.col("quantity__num").is_null() | pl.col("unit_price__num").is_null()
        checker.flag(ok & amount_blank & underivable, "amount", "no_amount")
    else:
        underivable = pl.col("quantity__num").is_null() | pl.col("unit_price__num").is_null()
        checker.flag(ok & underivable, "unit_price", "no_amount")


def _finish(parsed: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    """Derive what the file leaves implicit: amount, cost from profit, discount from a rate."""
    columns = parsed.columns
    rate = pl.col("discount_rate__num")
    discount_amount = pl.col("discount_amount__num")
    quantity = pl.col("quantity__num")
    price = pl.col("unit_price__num")
    amount = pl.coalesce(pl.col("amount__num"), quantity * price)
    discount = pl.coalesce(
        discount_amount, pl.when(rate < 1).then(amount * rate / (1 - rate)), pl.lit(0, DECIMAL)
    )
    cost = pl.coalesce(pl.col("cost__num"), amount - pl.col("gross_profit__num"))
    line_no = (
        _value("line_no")
        if "line_no" in mapping
        else pl.int_range(1, pl.len() + 1).over("order_no__v").cast(pl.Int64)
    )
    money = {
        "quantity": pl.coalesce(quantity, pl.lit(0, DECIMAL)).round(4),
        "unit_price": price.round(4),
        "amount": amount.round(2),
        "cost": cost.round(2),
        "discount": discount.round(2),
        # With a payment column, a blank cell means not paid yet (0); without one, unknown.
        "paid_amount": (
            pl.col("paid_amount__num").fill_null(pl.lit(0, DECIMAL))
            if "paid_amount" in mapping
            else pl.col("paid_amount__num")
        ).round(2),
    }
    dates = {
        f: _value(f) if f"{f}__v" in columns else pl.lit(None, pl.Date)
        for f in ("order_date", "paid_date")
    }
    return parsed.select(
        "__row",
        *[_value(f).alias(f) for f in TEXT_LIMITS],
        line_no.alias("line_no"),
        *[expr.alias(name) for name, expr in dates.items()],
        *[expr.alias(name) for name, expr in money.items()],
    ).select(OUTPUT_COLUMNS)


def _check_stored_limits(parsed: pl.DataFrame, lines: pl.DataFrame, checker, mapping) -> None:
    """Figures as they will be stored (derived ones included: quantity × price, cost from
    profit, discount from a rate), and each customer's monthly sums of them, which the
    rollup stores in columns of the same size: over the limit is a row-level problem here
    rather than an overflow in PostgreSQL or lost cents in SQLite."""
    raw = parsed.select("__row", *sorted(set(mapping.values()) - {"__row"}))
    over_line = set()
    for name, limit in LIMITS.items():
        column = reported_column(name, mapping)
        over = lines.filter(pl.col(name).abs() >= limit).select("__row")
        if column is None or over.is_empty():
            continue
        over_line.update(over.get_column("__row").to_list())
        params = (("max", limit_text(limit)),)
        checker.total += over.height
        for row, value in over.join(raw, on="__row").select("__row", column).iter_rows():
            checker.problems.append(Problem(row, column, value or "", "too_large", params))
    _check_month_sums(lines.filter(~pl.col("__row").is_in(list(over_line))), raw, checker, mapping)


def reported_column(name: str, mapping: dict[str, str]) -> str | None:
    field = next((f for f in SOURCE_FIELDS[name] if f in mapping), None)
    return None if field is None else mapping[field]


def _check_month_sums(lines: pl.DataFrame, raw: pl.DataFrame, checker, mapping) -> None:
    """Per customer (as the file names it) and order month; returns' sum is stored apart."""
    months = lines.with_columns(
        customer=pl.coalesce("customer_code", "customer_name"),
        month=pl.col("order_date").dt.truncate("1mo"),
    ).filter(pl.col("customer").is_not_null() & pl.col("month").is_not_null())
    for name in ("amount", "cost", "discount", "quantity", "paid_amount"):
        column = reported_column(name, mapping)
        if column is None:
            continue
        limit = LIMITS[name]
        totals = months.group_by("customer", "month").agg(
            total=pl.col(name).sum(), returns=pl.col(name).clip(upper_bound=0).sum()
        )
        over = totals.filter((pl.col("total").abs() >= limit) | (pl.col("returns").abs() >= limit))
        if over.is_empty():
            continue
        bad = months.join(over, on=["customer", "month"]).join(raw, on="__row").sort("__row")
        for row, value, who, month, total, returns in bad.select(
            "__row", column, "customer", "month", "total", "returns"
        ).iter_rows():
            shown = total if abs(total) >= limit else returns
            params = {
                "customer": who,
                "month": f"{month:%Y-%m}",
                "total": f"{shown:,.2f}",
                "max": limit_text(limit),
            }
            checker.total += 1
            checker.problems.append(
                Problem(row, column, value or "", "month_too_large", tuple(sorted(params.items())))
            )


def limit_text(limit: int) -> str:
    """10**13 as "9,999,999,999,999.99": the largest figure that is still allowed."""
    return f"{limit - Decimal('0.01'):,.2f}"


def _check_duplicates(lines: pl.DataFrame, checker: _Checker, mapping: dict[str, str]) -> None:
    """The same (order, line) twice in one file would silently overwrite itself."""
    keyed = lines.filter(pl.col("order_no").is_not_null() & pl.col("line_no").is_not_null())
    if not keyed.select(pl.struct("order_no", "line_no").is_duplicated().any()).item():
        return
    first_rows = keyed.group_by("order_no", "line_no").agg(pl.col("__row").min().alias("first"))
    dupes = keyed.join(first_rows, on=["order_no", "line_no"]).filter(
        pl.col("__row") != pl.col("first")
    )
    if dupes.is_empty():
        return
    column = mapping.get("line_no", mapping["order_no"])
    checker.total += dupes.height
    for row, order_no, line_no, first in dupes.select(
        "__row", "order_no", "line_no", "first"
    ).iter_rows():
        checker.problems.append(
            Problem(row, column, f"{order_no}/{line_no}", "duplicate", (("first_row", first),))
        )
