"""Profit and loss per account and per person (M1.7, 客户损益表 / 个人损益表).

From list price down to what the account really leaves us: list-price revenue,
− discounts, = revenue, − cost of goods, = gross profit, − cost to serve by category
(visits, service, freight, samples, rebates, hospitality …), − the financing cost of
its receivables, = net contribution. The team view sums the P&L of every account a
person or department works on, so each sees the profit, not just the sales, they
answer for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.utils.translation import gettext_lazy as _

from . import frames
from .frames import MONEY
from .metrics import known_sum
from .periods import Period

CTS_PREFIX = "cts_"

STEP_LABELS = {
    "list_revenue": _("Revenue at list price"),
    "discount": _("Discounts"),
    "revenue": _("Revenue"),
    "cost_of_goods": _("Cost of goods"),
    "gross_profit": _("Gross profit"),
    "cost_to_serve": _("Cost to serve"),
    "financing_cost": _("Financing cost of receivables"),
    "net_contribution": _("Net contribution"),
}


@dataclass(frozen=True)
class TeamPnl:
    """by_user: user_id, accounts, then the P&L columns summed over the user's accounts.
    by_department: the same per department (blank departments left out)."""

    by_user: pl.DataFrame
    by_department: pl.DataFrame


def costs_by_category(costs: pl.DataFrame, period: Period) -> pl.DataFrame:
    """account_id, category, amount: cost to serve in the period, by category (rows in
    no particular order)."""
    frames.require(costs, frames.COSTS, "costs")
    return (
        costs.lazy()
        .filter(pl.col("month").is_between(period.start, period.end))
        .group_by("account_id", "category")
        .agg(pl.col("amount").sum())
        .collect()
    )


def account_pnl(metrics: pl.DataFrame, by_category: pl.DataFrame) -> pl.DataFrame:
    """One row per account of `metrics`: list_revenue, discount, revenue, cost_of_goods,
    gross_profit, cts_<category> for each category present, cost_to_serve,
    financing_cost, net_contribution — all Decimal(38, 2), amounts positive, the
    waterfall's signs are in `waterfall`. `by_category` comes from `costs_by_category`
    over the same costs and period as the metrics, so the cts_ columns add up to
    cost_to_serve."""
    categories = sorted(by_category.get_column("category").unique().to_list())
    wide = pl.DataFrame(schema={"account_id": pl.Int64})
    if categories:
        wide = by_category.pivot(
            on="category", index="account_id", values="amount", aggregate_function="sum"
        ).rename({c: CTS_PREFIX + c for c in categories})
    cts_columns = [CTS_PREFIX + c for c in categories]
    return (
        metrics.select(
            "account_id",
            (pl.col("revenue") + pl.col("discount")).alias("list_revenue"),
            "discount",
            "revenue",
            pl.col("cost").alias("cost_of_goods"),
            "gross_profit",
            "cost_to_serve",
            "financing_cost",
            "net_contribution",
        )
        .join(wide, on="account_id", how="left")
        .with_columns(pl.col(cts_columns).fill_null(0).cast(MONEY))
        .select(
            "account_id",
            "list_revenue",
            "discount",
            "revenue",
            "cost_of_goods",
            "gross_profit",
            *cts_columns,
            "cost_to_serve",
            "financing_cost",
            "net_contribution",
        )
    )


def waterfall(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A P&L row as waterfall steps for a chart or a table: {step, label, amount, kind}
    where kind is "total" (a bar from zero) or "minus" (a drop). Category steps are
    labelled by their category key for the caller to translate with its own choices.
    An unknown amount (no cost, no payment data) stays None: the caller draws no bar."""
    steps = [("list_revenue", "total"), ("discount", "minus"), ("revenue", "total")]
    steps += [("cost_of_goods", "minus"), ("gross_profit", "total")]
    steps += [(key, "minus") for key in row if key.startswith(CTS_PREFIX)]
    steps += [("financing_cost", "minus"), ("net_contribution", "total")]
    out = []
    for key, kind in steps:
        label = STEP_LABELS.get(key, key.removeprefix(CTS_PREFIX))
        amount = row[key]
        out.append({"step": key, "label": label, "amount": amount, "kind": kind})
    return out


def team_pnl(pnl: pl.DataFrame, team: pl.DataFrame | None) -> TeamPnl:
    """Sum the P&L of every account each person (and each department) is on.

    Shared credit, as [001] asks ("不要怕同一指标被重复计算"): an account counts in full
    for every member of its team and every department on it, so the rows add up to
    more than the company total — on purpose. A person on one account under two roles
    counts it once; members with a blank department are left out of by_department. A sum
    with an account whose figure is unknown (no cost, no payment data) is unknown.
    """
    team = frames.empty(frames.TEAM) if team is None else team
    frames.require(team, frames.TEAM, "team")
    money = [c for c in pnl.columns if c != "account_id"]

    def summed(key: str, members: pl.DataFrame) -> pl.DataFrame:
        return (
            members.select(key, "account_id")
            .unique()
            .join(pnl, on="account_id", how="inner")
            .group_by(key)
            .agg(accounts=pl.len().cast(pl.Int64), **{c: known_sum(pl.col(c)) for c in money})
            .sort(key)
        )

    departments = team.filter(pl.col("department").str.strip_chars().str.len_chars() > 0)
    return TeamPnl(summed("user_id", team), summed("department", departments))
