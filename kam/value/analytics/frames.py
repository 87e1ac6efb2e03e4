"""The input frames the analytics read, their schemas, and builders that make them valid.

The analytics take Polars frames, not querysets, so they run the same over the
database rollup, a Parquet file or a test's hand ledger. The builders here are for the
edges (loading, tests); the hot functions only `require` the schema, an O(1) check,
and trust the rows: one row per (account, month), `month` a first of month — what
AccountMonth's unique constraint and the importer already guarantee.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

MONEY = pl.Decimal(38, 2)
QUANTITY = pl.Decimal(38, 4)

MONTH_MONEY = (
    "revenue",
    "cost",
    "uncosted_revenue",
    "discount",
    "return_amount",
    "paid_amount",
    "paid_days_amount",
    "collected",
    "tracked_revenue",
)
MONTH_COUNTS = ("lines", "orders", "return_lines")

MONTHS: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "month": pl.Date(),
    **dict.fromkeys(MONTH_MONEY[:4], MONEY),
    "quantity": QUANTITY,
    **dict.fromkeys(MONTH_MONEY[4:], MONEY),
    **{name: pl.Int64() for name in MONTH_COUNTS},
}
"""AccountMonth as a frame: `collected` by the month money came in, the rest by order month.
`tracked_revenue` is the revenue of lines whose export carried payment columns: only that
part can be owed to us; for the rest the input does not say."""

COSTS: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "month": pl.Date(),
    "category": pl.String(),
    "amount": MONEY,
}
"""Cost to serve (visits, service, freight, samples, rebates …) by account and month."""

ACCOUNTS: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "code": pl.String(),
    "name": pl.String(),
}
ACCOUNTS_OPTIONAL: dict[str, pl.DataType] = {
    "region_id": pl.Int64(),
    "owner_id": pl.Int64(),
    "parent_id": pl.Int64(),
    "sales_stage": pl.String(),
    "relationship_stage": pl.String(),
}

POTENTIAL_SCORES = ("growth_outlook", "influence", "referral_power", "strategic_fit")
POTENTIAL: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "wallet": MONEY,
    "share": pl.Float64(),
    **{name: pl.Int64() for name in POTENTIAL_SCORES},
}
"""Scorecard inputs a KAM enters: wallet = the customer's yearly spend in our category,
share = our part of it (0..1), the rest judged 1 (low) .. 5 (high). Any may be null."""

TEAM: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "user_id": pl.Int64(),
    "department": pl.String(),
    "role": pl.String(),
}


YEARS: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "year": pl.Int32(),
    **{name: dtype for name, dtype in MONTHS.items() if name not in ("account_id", "month")},
    "rows": pl.Int64(),
    "active_months": pl.Int64(),
    "months_bought": pl.Int64(),
    "biggest_revenue": MONEY,
    "data_months": pl.Int64(),
}
"""The rollup by account and calendar year (`years_of`), a tenth of the months' rows: every
sum of MONTHS, plus rows (months with a row), active_months (revenue ≠ 0 or an order),
months_bought (revenue > 0), biggest_revenue (the biggest month's revenue) and
data_months (months of that year holding any row at all, the same on every row of the
year). A whole-year analysis reads its sums here instead of summing months again."""


def years_of(months: pl.DataFrame) -> pl.DataFrame:
    """The months frame summed by account and calendar year (see YEARS)."""
    require(months, MONTHS, "months")
    year = pl.col("month").dt.year().alias("year")
    revenue = pl.col("revenue")
    lf = months.lazy().with_columns(
        _active=((revenue != 0) | (pl.col("orders") > 0)).cast(pl.Int64),
        _bought=(revenue > 0).cast(pl.Int64),
    )
    summed = [name for name in MONTHS if name not in ("account_id", "month")]
    per_account = lf.group_by("account_id", year).agg(
        *[pl.col(name).sum() for name in summed],
        rows=pl.len().cast(pl.Int64),
        active_months=pl.col("_active").sum(),
        months_bought=pl.col("_bought").sum(),
        biggest_revenue=revenue.max(),
    )
    data_months = (
        lf.select(year, "month").unique().group_by("year").agg(data_months=pl.len().cast(pl.Int64))
    )
    return (
        per_account.join(data_months, on="year")
        .select(list(YEARS))
        .cast(YEARS)
        .sort("account_id", "year")
        .collect()
    )


def years_up_to(months: pl.DataFrame, end, years: pl.DataFrame | None = None) -> pl.DataFrame:
    """The years frame of every month up to `end`: from `years` (made by `years_of` over
    the same months) when `end` closes a year, else summed now from the months."""
    if years is not None and (end.month, end.day) == (12, 31):
        return years.filter(pl.col("year") <= end.year)
    return years_of(months.filter(pl.col("month") <= end))


def empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def require(frame: pl.DataFrame, schema: Mapping[str, pl.DataType], name: str) -> None:
    """Fail loudly, naming every column, when a frame does not have the schema's columns
    and types; extra columns are allowed. Cheap: looks at the schema, not the rows."""
    problems = []
    for column, dtype in schema.items():
        if column not in frame.schema:
            problems.append(f"{column} missing")
        elif frame.schema[column] != dtype:
            problems.append(f"{column} is {frame.schema[column]}, expected {dtype}")
    if problems:
        raise ValueError(f"{name} frame: " + "; ".join(problems))


def _as_frame(data: pl.DataFrame | Iterable[Mapping[str, Any]] | None) -> pl.DataFrame:
    if data is None:
        return pl.DataFrame()
    if isinstance(data, pl.DataFrame):
        return data
    rows = [dict(row) for row in data]
    if not rows:
        return pl.DataFrame()
    # money may come as str, int, float or Decimal; strings keep every digit
    return pl.DataFrame(
        [{k: str(v) if isinstance(v, Decimal | float) else v for k, v in r.items()} for r in rows],
        infer_schema_length=None,
    )


def _cast(column: str, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Decimal):
        # via String so floats and ints both land exactly, rounded half away from zero
        return (
            pl.col(column)
            .cast(pl.String)
            .cast(pl.Decimal(38, dtype.scale + 2))
            .round(dtype.scale, mode="half_away_from_zero")
            .cast(dtype)
        )
    return pl.col(column).cast(dtype)


def conform(
    data: pl.DataFrame | Iterable[Mapping[str, Any]] | None,
    schema: Mapping[str, pl.DataType],
    *,
    defaults: Mapping[str, Any] | None = None,
    optional: Mapping[str, pl.DataType] | None = None,
) -> pl.DataFrame:
    """Cast to the schema; fill missing columns from `defaults` (else null); keep the
    optional columns present, cast; drop everything else."""
    frame = _as_frame(data)
    defaults = defaults or {}
    wanted = dict(schema) | {k: v for k, v in (optional or {}).items() if k in frame.columns}
    exprs = []
    for column, dtype in wanted.items():
        if column in frame.columns:
            exprs.append(_cast(column, dtype))
        else:
            exprs.append(pl.lit(defaults.get(column), dtype=dtype).alias(column))
    if frame.width == 0:
        return pl.DataFrame(schema=wanted)
    return frame.select(exprs)


def months_frame(data=None) -> pl.DataFrame:
    """A valid months frame: missing sums are 0, `month` snapped to its first day, and
    duplicate (account, month) rows summed, as the rollup would have them."""
    zeros = dict.fromkeys((*MONTH_MONEY, "quantity", *MONTH_COUNTS), 0)
    raw = _as_frame(data)
    if raw.width and "tracked_revenue" not in raw.columns and "revenue" in raw.columns:
        raw = raw.with_columns(tracked_revenue=pl.col("revenue"))  # a ledger with payments
    frame = conform(raw, MONTHS, defaults=zeros)
    keys = ["account_id", "month"]
    frame = frame.with_columns(pl.col("month").dt.truncate("1mo"))
    return frame.group_by(keys).agg(pl.exclude(keys).sum()).select(list(MONTHS)).sort(keys)


def costs_frame(data=None) -> pl.DataFrame:
    """Cost to serve by month; a `date` column (one entry per cost) is accepted instead."""
    frame = _as_frame(data)
    if "date" in frame.columns and "month" not in frame.columns:
        frame = frame.rename({"date": "month"})
    frame = conform(frame, COSTS, defaults={"category": "other"})
    return frame.with_columns(pl.col("month").dt.truncate("1mo"))


def accounts_frame(data=None) -> pl.DataFrame:
    return conform(data, ACCOUNTS, optional=ACCOUNTS_OPTIONAL)


def potential_frame(data=None) -> pl.DataFrame:
    frame = conform(data, POTENTIAL)
    checks = [pl.col(c).is_between(1, 5) | pl.col(c).is_null() for c in POTENTIAL_SCORES]
    checks.append(pl.col("share").is_between(0, 1) | pl.col("share").is_null())
    bad = frame.filter(~pl.all_horizontal(checks))
    if bad.height:
        raise ValueError(f"potential: scores must be 1..5 and share 0..1: {bad.head(5).rows()}")
    return frame


def team_frame(data=None) -> pl.DataFrame:
    return conform(data, TEAM)
