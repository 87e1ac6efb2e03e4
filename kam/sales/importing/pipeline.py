"""From a raw table of strings to clean order lines, or to the list of what is wrong.

Everything here is vectorised Polars and touches no database, so a million rows are
checked in well under a second and the rules are tested without one.
"""

from dataclasses import dataclass

import polars as pl

from . import parsing
from .report import Problem

DECIMAL = pl.Decimal(38, 6)
MONEY_LIMIT = 10**16  # DecimalField(max_digits=18, decimal_places=2)
MAX_PROBLEMS_PER_CHECK = 1000
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
        for row, value in hits.head(MAX_PROBLEMS_PER_CHECK).iter_rows():
            self.problems.append(
                Problem(row, column, value or "", code, tuple(sorted(params.items())))
            )


def _value(field: str) -> pl.Expr:
    """A parsed text, date or line number. Suffixed, so that a file whose header is the
    field's own name ("order_date") keeps its raw column for checks and the report."""
    return pl.col(f"{field}__v")


def _text(field: str, mapping: dict[str, str]) -> pl.Expr:
    if field not in mapping:
        return pl.lit(None, dtype=pl.String).alias(f"{field}__v")
    return pl.col(mapping[field]).str.strip_chars().alias(f"{field}__v")


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
    if "line_no" in mapping:
        blank = _blank("line_no")
        checker.flag(ok & blank, "line_no", "missing")
        checker.flag(ok & ~blank & _value("line_no").is_null(), "line_no", "integer")


def _check_dates(mapping, options, orders, checker, ok) -> None:
    for field in ("order_date", "paid_date"):
        if field not in mapping:
            continue
        column = mapping[field]
        blank = _blank(field)
        if field == "order_date":
            checker.flag(ok & blank, field, "missing")
        unread = ok & ~blank & _value(field).is_null()
        if orders[field] is None and not options.date_format:
            numeric = pl.col(column).str.contains(r"^\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
            checker.flag(unread & numeric, field, "ambiguous_date")
            unread = unread & ~numeric
        checker.flag(unread, field, "date")
        year = _value(field).dt.year()
        checker.flag(ok & ((year < 1900) | (year > 2100)), field, "implausible_date")


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
        checker.flag(ok & (value.abs() >= MONEY_LIMIT), field, "too_large")
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
    for row, order_no, line_no, first in (
        dupes.select("__row", "order_no", "line_no", "first")
        .head(MAX_PROBLEMS_PER_CHECK)
        .iter_rows()
    ):
        checker.problems.append(
            Problem(row, column, f"{order_no}/{line_no}", "duplicate", (("first_row", first),))
        )
