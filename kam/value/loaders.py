"""From the database to the analytics' input frames, through the permission-aware queryset.

Every frame is limited to the accounts `Account.objects.restrict(user)` returns; the
CLI and scheduled jobs pass user=None, which means the whole portfolio.
"""

from dataclasses import dataclass
from datetime import date
from functools import partial

import polars as pl

from kam.accounts.models import Account, AccountTeamMember
from kam.core import versions
from kam.core.frames import query_frame
from kam.sales.models import AccountMonth, CostToServe

from . import snapshot
from .analytics import frames
from .analytics.metrics import data_months
from .analytics.periods import Period
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
LABEL_FIELDS = ("code", "name", "sales_stage", "relationship_stage")
"""What pages show and filter by but the analysis does not compute with: the accounts'
snapshot is kept under the labels' stamp (versions.labels), so editing them rereads that
one file and relabels the computed analysis (kam.value.portfolio) instead of recomputing it."""
ROLLUP_FIELDS = [
    "account_id",
    "month",
    *[n for n in frames.MONTHS if n not in ("account_id", "month")],
]


@dataclass
class Inputs:
    months: pl.DataFrame
    years: pl.DataFrame | None
    costs: pl.DataFrame
    accounts: pl.DataFrame
    potential: pl.DataFrame
    team: pl.DataFrame
    data: Period | None = None
    """The first to the last month of the whole rollup (`portfolio.data_span`'s months):
    what growth may compare (see analytics.periods.Comparison)."""


def scope(user=None):
    """None means the whole portfolio (the CLI, scheduled jobs); a user, what they may see."""
    return Account.objects.alive() if user is None else Account.objects.restrict(user)


def visible_ids(user) -> pl.Series:
    """Ids of the accounts `user` may see, through the one permission-aware queryset
    (none for None or an anonymous user)."""
    ids = Account.objects.restrict(user).order_by().values_list("pk", flat=True)
    return pl.Series("account_id", list(ids), dtype=pl.Int64)


def _frame(queryset, schema: dict) -> pl.DataFrame:
    sql, params = queryset.query.sql_with_params()
    return query_frame(sql, params, schema)


def load_inputs(user=None, *, end: date | None = None, stamps: dict | None = None) -> Inputs:
    """The analysis' inputs up to `end`: the whole portfolio's from the snapshots (user
    None), or straight from the database for the accounts `user` may see. `stamps`, when
    the caller has just read them, saves reading them again."""
    stamps = stamps or versions.stamps()
    if user is None:
        costs, potential, team = (
            snapshot.cached(name, (versions.VALUE,), partial(load, None), _SCHEMAS[name], stamps)
            for name, load in _SMALL_INPUTS.items()
            if name != "accounts"
        )
        accounts = _every_account(stamps)
    else:
        accounts, costs, potential, team = (load(user) for load in _SMALL_INPUTS.values())
    months = snapshot.rollup_months(_all_months, stamps)
    # The whole rollup by year, kept with it: the analysis takes the years up to `end`.
    years = snapshot.cached(
        "years", (versions.ROLLUP,), lambda: frames.years_of(months), frames.YEARS, stamps
    )
    data = data_months(months)
    if end is not None:
        costs = costs.filter(pl.col("date") <= end)
        if months.height and months.get_column("month").max() > end:
            months = months.filter(pl.col("month") <= end)
    return Inputs(
        months=_in_scope(months, accounts, user, stamps),
        years=_in_scope(years, accounts, user, stamps),
        costs=_by_month(costs),
        accounts=accounts,
        potential=potential,
        team=team,
        data=data,
    )


def _in_scope(months: pl.DataFrame, accounts: pl.DataFrame, user, stamps: dict) -> pl.DataFrame:
    """The rollup rows (by month or by year) of the accounts in scope, order kept.

    For the whole portfolio only soft-deleted accounts are out, usually none: copying
    two million rows to drop nothing would cost more than the rest of the load.
    """
    if user is not None:
        return months.join(accounts.select("account_id"), on="account_id", how="semi")
    deleted = snapshot.cached(
        "deleted", (versions.VALUE,), _deleted_ids, _SCHEMAS["deleted"], stamps
    )
    if deleted.is_empty():
        return months
    return months.join(deleted, on="account_id", how="anti")


def _deleted_ids() -> pl.DataFrame:
    rows = Account.objects.deleted().order_by().values_list("pk")
    return _frame(rows, {"account_id": pl.Int64})


def _accounts(user) -> pl.DataFrame:
    rows = scope(user).order_by().values_list(*ACCOUNT_FIELDS)
    return _frame(rows, frames.ACCOUNTS | frames.ACCOUNTS_OPTIONAL)


def _every_account(stamps: dict) -> pl.DataFrame:
    """Every live account, from the snapshot kept under the labels' stamp, which changes
    with the value stamp and with a label edit (versions.labels)."""
    stamp = {"labels": versions.labels(stamps)}
    return snapshot.cached(
        "accounts", ("labels",), partial(_accounts, None), _SCHEMAS["accounts"], stamp
    )


def labels(stamps: dict | None = None) -> pl.DataFrame:
    """Every live account's names, codes and stages as they are now: a few milliseconds
    from the snapshot, one query after a label edit."""
    stamps = stamps or versions.stamps()
    return _every_account(stamps).select("account_id", *LABEL_FIELDS)


RAW_COSTS = {"account_id": pl.Int64, "date": pl.Date, "category": pl.String, "amount": frames.MONEY}


def _raw_costs(user) -> pl.DataFrame:
    rows = CostToServe.objects.filter(account__in=_ids(user)).order_by()
    return _frame(rows.values_list(*RAW_COSTS), RAW_COSTS)


def _team(user) -> pl.DataFrame:
    rows = AccountTeamMember.objects.filter(account__in=_ids(user)).order_by()
    return _frame(rows.values_list("account_id", "user_id", "department", "role"), frames.TEAM)


def _ids(user):
    return scope(user).values("pk")


def _all_months() -> pl.DataFrame:
    """The whole rollup in (account, month) order, the unique index's order, which the
    analytics group fastest."""
    rows = AccountMonth.objects.order_by("account_id", "month").values_list(*ROLLUP_FIELDS)
    return _frame(rows, frames.MONTHS)


def _by_month(costs: pl.DataFrame) -> pl.DataFrame:
    """Cost to serve by account, month and category. Months are cut in Polars: on SQLite
    Django's TruncMonth is a Python function called once per row."""
    return (
        costs.group_by("account_id", pl.col("date").dt.truncate("1mo").alias("month"), "category")
        .agg(pl.col("amount").sum())
        .select(list(frames.COSTS))
    )


def _potential(user) -> pl.DataFrame:
    schema = dict(frames.POTENTIAL)
    rows = AccountPotential.objects.filter(account__in=_ids(user)).order_by().values_list(*schema)
    frame = _frame(rows, schema | {"share": pl.Decimal(38, 4)})
    return frame.with_columns(pl.col("share").cast(pl.Float64))


_SMALL_INPUTS = {
    "accounts": _accounts,
    "costs": _raw_costs,
    "potential": _potential,
    "team": _team,
}
_SCHEMAS = {
    "accounts": frames.ACCOUNTS | frames.ACCOUNTS_OPTIONAL,
    "costs": RAW_COSTS,
    "potential": frames.POTENTIAL,
    "team": frames.TEAM,
    "deleted": {"account_id": pl.Int64},
}
"""What each snapshot must hold; a file of another layout (an older kam's) is rebuilt."""
