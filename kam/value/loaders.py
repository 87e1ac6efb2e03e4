"""From the database to the analytics' input frames, through the permission-aware queryset.

Every frame is limited to the accounts `Account.objects.visible_to(user)` returns; the
CLI and scheduled jobs pass user=None, which means the whole portfolio.
"""

from dataclasses import dataclass
from datetime import date

import polars as pl

from kam.accounts.models import Account, AccountTeamMember
from kam.core.frames import query_frame
from kam.sales.models import AccountMonth, CostToServe

from . import snapshot
from .analytics import frames
from .models import AccountPotential

ACCOUNT_FIELDS = (
    "id",
    "code",
    "name",
    "region_id",
    "owner_id",
    "parent_id",
    "sales_stage",
    "relationship_stage",
)
ROLLUP_FIELDS = [
    "account_id",
    "month",
    *[n for n in frames.MONTHS if n not in ("account_id", "month")],
]


@dataclass
class Inputs:
    months: pl.DataFrame
    costs: pl.DataFrame
    accounts: pl.DataFrame
    potential: pl.DataFrame
    team: pl.DataFrame


def scope(user=None):
    """None means the whole portfolio (the CLI, scheduled jobs); a user, what they may see."""
    return Account.objects.alive() if user is None else Account.objects.visible_to(user)


def visible_ids(user) -> pl.Series:
    """Ids of the accounts `user` may see, through the one permission-aware queryset
    (none for None or an anonymous user)."""
    ids = Account.objects.visible_to(user).order_by().values_list("pk", flat=True)
    return pl.Series("account_id", list(ids), dtype=pl.Int64)


def _frame(queryset, schema: dict) -> pl.DataFrame:
    sql, params = queryset.query.sql_with_params()
    return query_frame(sql, params, schema)


def load_inputs(user=None, *, end: date | None = None) -> Inputs:
    accounts = scope(user)
    ids = accounts.values("pk")
    costs = CostToServe.objects.filter(account__in=ids)
    if end is not None:
        costs = costs.filter(date__lte=end)
    account_frame = _frame(
        accounts.order_by().values_list(*ACCOUNT_FIELDS),
        frames.ACCOUNTS | frames.ACCOUNTS_OPTIONAL,
    )
    months = snapshot.rollup_months(_all_months)
    if end is not None:
        months = months.filter(pl.col("month") <= end)
    return Inputs(
        # Only accounts in scope and alive; rows stay in (account, month) order.
        months=months.join(account_frame.select("account_id"), on="account_id", how="semi"),
        costs=_costs(costs),
        accounts=account_frame,
        potential=_potential(ids),
        team=_frame(
            AccountTeamMember.objects.filter(account__in=ids)
            .order_by()
            .values_list("account_id", "user_id", "department", "role"),
            frames.TEAM,
        ),
    )


def _all_months() -> pl.DataFrame:
    """The whole rollup in (account, month) order, the unique index's order, which the
    analytics group fastest."""
    rows = AccountMonth.objects.order_by("account_id", "month").values_list(*ROLLUP_FIELDS)
    return _frame(rows, frames.MONTHS)


def _costs(costs) -> pl.DataFrame:
    """Cost to serve by account, month and category. Months are cut in Polars: on SQLite
    Django's TruncMonth is a Python function called once per row."""
    raw = _frame(
        costs.order_by().values_list("account_id", "date", "category", "amount"),
        {"account_id": pl.Int64, "date": pl.Date, "category": pl.String, "amount": frames.MONEY},
    )
    return (
        raw.group_by("account_id", pl.col("date").dt.truncate("1mo").alias("month"), "category")
        .agg(pl.col("amount").sum())
        .select(list(frames.COSTS))
    )


def _potential(ids) -> pl.DataFrame:
    schema = dict(frames.POTENTIAL)
    rows = AccountPotential.objects.filter(account__in=ids).order_by().values_list(*schema)
    frame = _frame(rows, schema | {"share": pl.Decimal(38, 4)})
    return frame.with_columns(pl.col("share").cast(pl.Float64))
