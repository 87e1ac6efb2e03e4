"""The figures of the dashboard and the what-if page, built from an Analysis.

Pure functions: frames in, plain dicts and lists out (ECharts options, table rows), so
they are tested without a database and the views only fetch and render. Everything is
done in Polars on the analysis frames: a page never loops over 100,000 accounts in
Python. Labels are translated here, in the language of the request that calls, and every
figure carries `link`s to the accounts behind it (the account list's filters: tier, flag,
sort, year …).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import polars as pl
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, gettext

from kam.web.formatting import percent, short_amount
from kam.web.tiers import tier_label, tier_text  # noqa: F401 (tier_text: for callers)

from . import periods
from .analytics.analysis import Analysis
from .analytics.flags import (
    EVIDENCE_LABELS,
    FLAG_KINDS,
    FLAG_LABELS,
    MONEY_EVIDENCE,
    OPS,
    Flag,
    format_evidence,
)
from .analytics.metrics import known_sum
from .analytics.periods import Period
from .analytics.tiers import (
    NO_PURCHASES,
    STANDINGS,
    TIERS,
    WhatIf,
    active_ids,
    score_basis,
    standings,
)

TIER_COLOURS = {
    "diamond": "#3f6fc4",
    "gold": "#d4a017",
    "strategic": "#3a9a5b",
    "ordinary": "#9aa5b1",
}
GOOD, BAD = "#3a9a5b", "#c9302c"
NOT_RANKED = NO_PURCHASES
"""Where an account stands in a period it bought nothing in (the pyramid's and the
movement table's "no purchases" row)."""


# ---------------------------------------------------------------- links


def period_params(period: Period) -> dict[str, str]:
    """The account list's filter for `period` (see kam.value.periods)."""
    return periods.query(period)


def list_link(period: Period, **filters: Any) -> str:
    """The account list, filtered, for the same period."""
    query = {**{k: v for k, v in filters.items() if v not in (None, "")}, **period_params(period)}
    return f"{reverse('accounts:list')}?{urlencode(query)}"


def account_link(account_id: int) -> str:
    return _detail_pattern(get_script_prefix()).replace(_PLACEHOLDER, str(account_id))


_PLACEHOLDER = "2147483647"


@functools.cache
def _detail_pattern(prefix: str) -> str:
    """The account page's address with a placeholder id: reversing costs ~0.1 ms, and a
    dashboard links a hundred accounts."""
    return reverse("accounts:detail", args=[int(_PLACEHOLDER)])


def money(value) -> str:
    return short_amount(value, get_language() or settings.LANGUAGE_CODE, settings.KAM_CURRENCY)


def _float(value) -> float:
    return 0.0 if value is None else float(value)


def _overridden(analysis: Analysis) -> pl.Expr:
    """Whether the tier shown was set by hand (analyses without overrides: never)."""
    if "overridden" in analysis.tiers.columns:
        return pl.col("overridden").fill_null(False)
    return pl.lit(False)


# ---------------------------------------------------------------- headline


@dataclass(frozen=True)
class Headline:
    """The period's totals. gross_profit and net_contribution are None (unknown) when any
    account's is: a total of the known part would pass for the whole. uncosted_revenue is
    the period's revenue whose cost the imported data lacks; score_gaps says which value
    score metrics were unknown for how many scored accounts (`tiers.score_basis`)."""

    revenue: Decimal
    gross_profit: Decimal | None
    net_contribution: Decimal | None
    uncosted_revenue: Decimal
    score_gaps: dict[str, int]
    buyers: int
    revenue_prev: Decimal | None
    """None when the data does not cover the previous period (growth unknown)."""
    top_share: float | None
    top_n: int
    minimum: float
    meets_minimum: bool | None

    @property
    def uncosted_share(self) -> float | None:
        if not self.revenue or self.revenue <= 0:
            return None
        return float(self.uncosted_revenue / self.revenue)

    @property
    def growth(self) -> float | None:
        if not self.revenue_prev or self.revenue_prev <= 0:
            return None
        return float(self.revenue / self.revenue_prev) - 1


def headline(analysis: Analysis) -> Headline:
    """The period's totals over the accounts in the analysis, and the top-10 verdict."""
    zero = Decimal("0.00")
    metrics = analysis.metrics
    sums = metrics.select(
        pl.col("revenue").sum(),
        known_sum(pl.col("gross_profit")),
        known_sum(pl.col("net_contribution")),
        pl.col("uncosted_revenue").sum(),
        pl.col("revenue_prev").sum(),
    ).row(0, named=True)
    health = analysis.health
    empty = metrics.is_empty()
    return Headline(
        revenue=sums["revenue"] or zero,
        gross_profit=zero if empty else sums["gross_profit"],
        net_contribution=zero if empty else sums["net_contribution"],
        uncosted_revenue=sums["uncosted_revenue"] or zero,
        score_gaps=score_basis(analysis.tiers, analysis.policy),
        buyers=active_ids(analysis.metrics).len(),
        revenue_prev=(sums["revenue_prev"] or zero) if _comparable(analysis) else None,
        top_share=health.top_revenue_share,
        top_n=health.top_n,
        minimum=analysis.policy.portfolio.health_minimum,
        meets_minimum=health.meets_minimum,
    )


def _comparable(analysis: Analysis) -> bool:
    return analysis.comparison is None or analysis.comparison.comparable


# ---------------------------------------------------------------- value pyramid


def tier_summary(analysis: Analysis) -> list[dict[str, Any]]:
    """Per tier, diamond first, then "no purchases": accounts, revenue, their shares, and
    the list link. The tiers count exactly the accounts active in the period (the
    headline's buyers); every other account of the analysis is in "no purchases"."""
    per_standing = (
        standings(analysis.tiers, analysis.metrics)
        .join(analysis.metrics.select("account_id", "revenue"), on="account_id", how="left")
        .group_by("standing")
        .agg(accounts=pl.len(), revenue=pl.col("revenue").sum())
    )
    found = {row["standing"]: row for row in per_standing.iter_rows(named=True)}
    active = sum(row["accounts"] for key, row in found.items() if key != NO_PURCHASES)
    revenue = sum(
        (row["revenue"] or 0 for key, row in found.items() if key != NO_PURCHASES), Decimal(0)
    )
    rows = []
    for tier in STANDINGS:
        row = found.get(tier, {"accounts": 0, "revenue": Decimal(0)})
        tier_revenue = Decimal(0) if tier == NO_PURCHASES else row["revenue"] or Decimal(0)
        link = (
            list_link(analysis.period, bought="no")
            if tier == NO_PURCHASES
            else list_link(analysis.period, tier=tier)
        )
        rows.append(
            {
                "tier": tier,
                "label": tier_label(tier),
                "accounts": row["accounts"],
                "revenue": tier_revenue,
                "account_share": (
                    row["accounts"] / active if active and tier != NO_PURCHASES else None
                ),
                "revenue_share": (
                    float(tier_revenue / revenue) if revenue > 0 and tier != NO_PURCHASES else None
                ),
                "link": link,
            }
        )
    return rows


def pyramid_option(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The 客户价值金字塔: one band per tier, diamond narrowest at the top. The widths draw
    the pyramid; the figures are in the labels (accounts · revenue · share of revenue).
    None when no account bought in the period: there are no tiers to draw, and the
    "no purchases" row says how many accounts there are."""
    rows = [row for row in rows if row["tier"] in TIERS]
    if not any(row["accounts"] for row in rows):
        return None
    accounts_text = gettext("%(count)s accounts")
    data = []
    for width, row in enumerate(rows, start=1):
        figures = " · ".join(
            [
                accounts_text % {"count": row["accounts"]},
                money(row["revenue"]),
                percent(row["revenue_share"]),
            ]
        )
        data.append(
            {
                "name": f"{row['label']}\n{figures}",
                "value": width,
                "link": row["link"],
                "itemStyle": {"color": TIER_COLOURS[row["tier"]]},
            }
        )
    # A funnel band runs from its own width to the next one's: an unseen band below the
    # canvas gives the base its full width.
    data.append(
        {
            "name": "",
            "value": len(rows) + 1,
            "itemStyle": {"opacity": 0},
            "label": {"show": False},
            "tooltip": {"show": False},
        }
    )
    return {
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "5%",
                "width": "90%",
                "top": 4,
                "height": f"{100 * (len(rows) + 1) / len(rows) - 1:.0f}%",
                "min": 1,
                "max": len(rows) + 1,
                "minSize": "24%",
                "maxSize": "100%",
                "gap": 3,
                "label": {"show": True, "position": "inside", "formatter": "{b}", "color": "#fff"},
                "labelLine": {"show": False},
                "data": data,
            }
        ],
    }


# ---------------------------------------------------------------- 80/20


def pareto_option(analysis: Analysis) -> dict[str, Any]:
    """Cumulative revenue and gross profit against the share of accounts, largest first,
    with the 20% line and each curve's value there."""
    top = analysis.revenue_pareto.top_share * 100
    link = list_link(analysis.period, sort="-revenue")
    series = []
    for pareto, name, colour, side in (
        (analysis.revenue_pareto, gettext("Revenue"), "#3f6fc4", "left"),
        (analysis.profit_pareto, gettext("Gross profit"), "#d4a017", "bottom"),
    ):
        points = pareto.curve.select(
            (pl.col("account_share") * 100).round(3), (pl.col("value_share") * 100).round(3)
        ).rows()
        entry: dict[str, Any] = {
            "type": "line",
            "name": name,
            "showSymbol": False,
            "triggerLineEvent": True,
            "color": colour,
            "data": [list(point) for point in points],
            "link": link,
        }
        if pareto.top_value_share is not None:
            share = round(pareto.top_value_share * 100, 1)
            entry["markPoint"] = {
                "symbol": "circle",
                "symbolSize": 8,
                "label": {"show": True, "position": side, "formatter": "{c}%"},
                "data": [{"coord": [top, share], "value": share, "link": link}],
            }
        series.append(entry)
    if series:
        series[0]["markLine"] = {
            "symbol": "none",
            "silent": False,
            "lineStyle": {"type": "dashed", "color": "#555"},
            "label": {"formatter": gettext("top %(share)s") % {"share": f"{top:.0f}%"}},
            "data": [{"xAxis": top, "link": link}],
        }
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 20, "top": 34, "bottom": 40},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": 100,
            "name": gettext("Share of accounts"),
            "nameLocation": "middle",
            "nameGap": 26,
            "axisLabel": {"formatter": "{value}%"},
        },
        "yAxis": {"type": "value", "min": 0, "axisLabel": {"formatter": "{value}%"}},
        "series": series,
    }


# ---------------------------------------------------------------- portfolio health


def gauge_option(analysis: Analysis) -> dict[str, Any]:
    """The top-10 share of the period's revenue on a dial, red below the 50% minimum."""
    health = analysis.health
    minimum = analysis.policy.portfolio.health_minimum
    share = health.top_revenue_share
    name = gettext("Top %(n)s share · minimum %(minimum)s") % {
        "n": health.top_n,
        "minimum": percent(minimum, 0),
    }
    return {
        "series": [
            {
                "type": "gauge",
                "min": 0,
                "max": 100,
                "splitNumber": 10,
                "radius": "95%",
                "center": ["50%", "58%"],
                "startAngle": 200,
                "endAngle": -20,
                "axisLine": {
                    "lineStyle": {"width": 14, "color": [[minimum, BAD], [1, GOOD]]},
                },
                "axisTick": {"distance": -14, "length": 5},
                "splitLine": {"distance": -14, "length": 14},
                "axisLabel": {"distance": 18, "formatter": "{value}%"},
                "pointer": {"width": 5},
                "title": {"offsetCenter": [0, "78%"], "fontSize": 13},
                "detail": {
                    "valueAnimation": False,
                    "offsetCenter": [0, "45%"],
                    "fontSize": 24,
                    "formatter": "{value}%" if share is not None else "–",
                },
                "link": list_link(analysis.period, sort="-revenue"),
                "data": [
                    {
                        "value": round(share * 100, 1) if share is not None else 0,
                        "name": name,
                        "link": list_link(analysis.period, sort="-revenue"),
                    }
                ],
            }
        ]
    }


def trend_option(analysis: Analysis) -> dict[str, Any]:
    """The top-10 share year by year, with the 50% minimum as a line; a partial year is
    marked with the months it has."""
    minimum = analysis.policy.portfolio.health_minimum * 100
    years, data = [], []
    for row in analysis.health_by_year.iter_rows(named=True):
        label = str(row["year"])
        if row["months"] and row["months"] < 12:
            label += " " + gettext("(%(months)s mo)") % {"months": row["months"]}
        years.append(label)
        share = row["top10_revenue_share"]
        value = None if share is None else round(share * 100, 1)
        data.append(
            {
                "value": value,
                "link": list_link(Period.year(row["year"]), sort="-revenue"),
                "itemStyle": {"color": GOOD if row["meets_minimum"] else BAD},
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 92, "top": 24, "bottom": 30},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "type": "line",
                "name": gettext("Top %(n)s share") % {"n": analysis.health.top_n},
                "symbolSize": 10,
                "color": "#3f6fc4",
                "label": {"show": True, "formatter": "{c}%"},
                "data": data,
                "markLine": {
                    "symbol": "none",
                    "silent": True,
                    "lineStyle": {"type": "dashed", "color": BAD},
                    "label": {
                        "position": "end",
                        "formatter": gettext("minimum %(minimum)s")
                        % {"minimum": f"{minimum:.0f}%"},
                    },
                    "data": [{"yAxis": minimum}],
                },
            }
        ],
    }


# ---------------------------------------------------------------- tier movements


@dataclass
class TierMoves:
    """Accounts by tier in the previous period (rows) and this one (columns).

    `examples` holds, for each pair that changed tier, the largest accounts by revenue
    (at most `limit`), so a cell opens the accounts behind it."""

    period: Period
    previous: Period
    keys: list[str]
    matrix: dict[str, dict[str, int]]
    examples: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def moved(self) -> int:
        return sum(n for a, row in self.matrix.items() for b, n in row.items() if a != b)

    def column_totals(self) -> dict[str, int]:
        """Accounts per standing now: the pyramid's counts of this period."""
        return {
            after: sum(self.matrix[before][after] for before in self.keys) for after in self.keys
        }

    def row_totals(self) -> dict[str, int]:
        """Accounts per standing then: the pyramid's counts of the previous period."""
        return {before: sum(self.matrix[before].values()) for before in self.keys}

    def rows(self) -> list[dict[str, Any]]:
        """The matrix as template rows: each cell with its count and where it leads."""
        out = []
        for before in self.keys:
            cells = []
            for after in self.keys:
                count = self.matrix[before][after]
                if before == after and after != NOT_RANKED:
                    link = list_link(self.period, tier=after)
                elif before == after:
                    link = list_link(self.period, bought="no")
                elif count:
                    link = f"#moves-{before or 'none'}-{after or 'none'}"
                else:
                    link = ""
                cells.append({"to": after, "count": count, "link": link, "same": before == after})
            if any(c["count"] for c in cells):
                out.append({"from": before, "label": tier_label(before), "cells": cells})
        return out

    def columns(self) -> list[dict[str, str]]:
        return [{"tier": key, "label": tier_label(key)} for key in self.keys]

    def groups(self) -> list[dict[str, Any]]:
        """The pairs that changed, up-moves into the top tiers first."""
        order = {key: i for i, key in enumerate(self.keys)}
        out = []
        for (before, after), accounts in sorted(
            self.examples.items(), key=lambda item: (order[item[0][1]], order[item[0][0]])
        ):
            out.append(
                {
                    "anchor": f"moves-{before or 'none'}-{after or 'none'}",
                    "from": before,
                    "to": after,
                    "from_label": tier_label(before),
                    "to_label": tier_label(after),
                    "count": self.matrix[before][after],
                    "accounts": accounts,
                    "more": self.matrix[before][after] - len(accounts),
                }
            )
        return out


def tier_moves(current: Analysis, previous: Analysis, limit: int = 10) -> TierMoves:
    """Compare where each account stands now with where it stood in `previous` (its tier,
    or "no purchases" in a period it bought nothing in: the pyramid's rows). Columns add
    up to this period's pyramid, rows to the previous one's."""
    keys = list(STANDINGS)
    not_ranked = len(TIERS)  # standings travel as their position in `keys`: joins stay numeric

    def positions(analysis: Analysis, name: str) -> pl.DataFrame:
        standing = pl.col("standing").replace_strict(STANDINGS, range(len(STANDINGS)))
        return standings(analysis.tiers, analysis.metrics).select(
            "account_id", standing.cast(pl.Int8).alias(name)
        )

    paired = (
        positions(current, "to_tier")
        .join(positions(previous, "from_tier"), on="account_id", how="full", coalesce=True)
        .with_columns(pl.col("from_tier", "to_tier").fill_null(not_ranked))
    )
    matrix = {a: dict.fromkeys(keys, 0) for a in keys}
    counts = paired.group_by("from_tier", "to_tier").agg(accounts=pl.len())
    for before, after, accounts in counts.iter_rows():
        matrix[keys[before]][keys[after]] = accounts
    changed = (
        paired.filter(pl.col("from_tier") != pl.col("to_tier"))
        .join(_revenue(current), on="account_id", how="left")
        .sort(
            pl.col("revenue").cast(pl.Float64),
            "account_id",
            descending=[True, False],
            nulls_last=True,
        )
        .group_by("from_tier", "to_tier", maintain_order=True)
        .head(limit)
        .join(_revenue(previous).rename({"revenue": "revenue_prev"}), on="account_id", how="left")
        .join(_names(current), on="account_id", how="left")
    )
    examples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in changed.iter_rows(named=True):
        pair = (keys[row["from_tier"]], keys[row["to_tier"]])
        examples.setdefault(pair, []).append(
            _account_row(row) | {"revenue_prev": row["revenue_prev"]}
        )
    return TierMoves(current.period, previous.period, keys, matrix, examples)


def _revenue(analysis: Analysis) -> pl.DataFrame:
    return analysis.metrics.select("account_id", "revenue")


def _names(analysis: Analysis) -> pl.DataFrame:
    return analysis.accounts.select("account_id", "code", "name", "owner_id")


def _account_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["account_id"],
        "code": row.get("code") or "",
        "name": row.get("name") or "",
        "owner_id": row.get("owner_id"),
        "revenue": row.get("revenue"),
        "link": account_link(row["account_id"]),
    }


# ---------------------------------------------------------------- false key accounts


def evidence_value(metric: str, value: Any) -> str:
    """An evidence number the way a reader expects it: money short, the rest as the
    flag's own sentence shows it (one rounding everywhere)."""
    if value is None:
        return "–"
    if metric in MONEY_EVIDENCE:
        return money(value)
    return format_evidence(metric, value)


def evidence_rows(flag: Flag) -> list[dict[str, str]]:
    """Each threshold the account crossed: what, its value, the test and the limit."""
    return [
        {
            "metric": item["metric"],
            "label": str(EVIDENCE_LABELS.get(item["metric"], item["metric"])),
            "value": evidence_value(item["metric"], item["value"]),
            "op": OPS.get(item["op"], item["op"]),
            "threshold": evidence_value(item["metric"], item["threshold"]),
        }
        for item in flag.evidence
    ]


@dataclass
class FalseKeyAccounts:
    """The flagged accounts (M1.6), largest revenue first, and how many of each kind."""

    accounts: list[dict[str, Any]]
    total: int
    kinds: list[dict[str, Any]]


def false_key_accounts(analysis: Analysis, limit: int = 30) -> FalseKeyAccounts:
    by_account: dict[int, list[Flag]] = {}
    for flag in analysis.flags:
        by_account.setdefault(flag.account_id, []).append(flag)
    ids = pl.Series("account_id", list(by_account), dtype=pl.Int64)
    top = (
        analysis.metrics.select("account_id", "revenue", "gross_margin")
        .filter(pl.col("account_id").is_in(ids.implode()))
        .join(_names(analysis), on="account_id", how="left")
        .join(
            analysis.tiers.select(
                "account_id",
                pl.col("tier").cast(pl.String),
                pl.col("uncapped_tier").cast(pl.String),
                _overridden(analysis).alias("overridden"),
            ),
            on="account_id",
            how="left",
        )
        .sort("revenue", "account_id", descending=[True, False], nulls_last=True)
        .head(limit)
    )
    rows = []
    for row in top.iter_rows(named=True):
        flags = by_account[row["account_id"]]
        rows.append(
            _account_row(row)
            | {
                "tier": row["tier"] or "",
                "tier_label": tier_label(row["tier"] or ""),
                "overridden": bool(row["overridden"]),
                "uncapped_tier": row["uncapped_tier"] or "",
                "uncapped_label": tier_label(row["uncapped_tier"] or ""),
                "capped": not row["overridden"]
                and (row["uncapped_tier"] or "") != (row["tier"] or ""),
                "gross_margin": row["gross_margin"],
                "flags": [
                    {
                        "kind": f.kind,
                        "label": f.label,
                        "summary": f.summary,
                        "month": f.month,
                        "evidence": evidence_rows(f),
                        "link": list_link(analysis.period, flag=f.kind),
                    }
                    for f in flags
                ],
            }
        )
    counted = dict.fromkeys(FLAG_KINDS, 0)
    for flag in analysis.flags:
        counted[flag.kind] += 1
    kinds = [
        {
            "kind": kind,
            "label": str(FLAG_LABELS[kind]),
            "accounts": counted[kind],
            "link": list_link(analysis.period, flag=kind),
        }
        for kind in FLAG_KINDS
    ]
    return FalseKeyAccounts(rows, len(by_account), kinds)


# ---------------------------------------------------------------- net contribution


def top_net(analysis: Analysis, limit: int = 10) -> list[dict[str, Any]]:
    """The accounts that leave us the most after serving and financing them."""
    net_margin = pl.when(pl.col("revenue") > 0).then(
        pl.col("net_contribution").cast(pl.Float64) / pl.col("revenue").cast(pl.Float64)
    )
    top = (
        analysis.metrics.filter(pl.col("net_contribution").is_not_null())
        .select("account_id", "revenue", "gross_profit", "net_contribution", net_margin=net_margin)
        .top_k(limit, by=pl.col("net_contribution").cast(pl.Float64))
        .join(_names(analysis), on="account_id", how="left")
        .join(
            analysis.tiers.select(
                "account_id",
                pl.col("tier").cast(pl.String),
                _overridden(analysis).alias("overridden"),
            ),
            on="account_id",
            how="left",
        )
        .sort("net_contribution", "account_id", descending=[True, False])
    )
    return [
        _account_row(row)
        | {
            "rank": rank,
            "tier": row["tier"] or "",
            "tier_label": tier_label(row["tier"] or ""),
            "overridden": bool(row["overridden"]),
            "gross_profit": row["gross_profit"],
            "net_contribution": row["net_contribution"],
            "net_margin": row["net_margin"],
        }
        for rank, row in enumerate(top.iter_rows(named=True), start=1)
    ]


# ---------------------------------------------------------------- what-if


@dataclass
class WhatIfSummary:
    """A what-if result as the page shows it."""

    counts: list[dict[str, Any]]
    matrix: list[dict[str, Any]]
    moved: int
    moves: list[dict[str, Any]]
    weights: list[dict[str, Any]]

    @property
    def more(self) -> int:
        return self.moved - len(self.moves)


def whatif_summary(
    result: WhatIf,
    analysis: Analysis,
    weights: dict[str, float],
    labels: dict[str, str],
    *,
    limit: int = 200,
) -> WhatIfSummary:
    """Counts per tier before and after, the from → to matrix, the accounts that move
    (largest revenue first, at most `limit`) and the weights as shares of 100%."""
    counts = [
        {
            "tier": tier,
            "label": tier_label(tier),
            "before": before,
            "after": after,
            "change": after - before,
        }
        for tier, (before, after) in result.counts().items()
    ]
    matrix = result.matrix()
    matrix_rows = [
        {
            "from": before,
            "label": tier_label(before),
            "cells": [
                {"to": after, "count": matrix[before][after], "same": before == after}
                for after in TIERS
            ],
        }
        for before in TIERS
    ]
    moves = (
        result.moves.join(
            analysis.metrics.select("account_id", "revenue"), on="account_id", how="left"
        )
        .join(_names(analysis), on="account_id", how="left")
        .sort("revenue", "account_id", descending=[True, False], nulls_last=True)
        .head(limit)
    )
    rank = {tier: i for i, tier in enumerate(TIERS)}
    move_rows = [
        _account_row(row)
        | {
            "from": row["from_tier"],
            "to": row["to_tier"],
            "from_label": tier_label(row["from_tier"]),
            "to_label": tier_label(row["to_tier"]),
            "up": rank[row["to_tier"]] < rank[row["from_tier"]],
            "score_before": row["score_before"],
            "score_after": row["score_after"],
        }
        for row in moves.iter_rows(named=True)
    ]
    total = sum(weights.values()) or 1
    weight_rows = [
        {"metric": name, "label": labels.get(name, name), "share": value / total}
        for name, value in weights.items()
        if value > 0
    ]
    return WhatIfSummary(counts, matrix_rows, result.moves.height, move_rows, weight_rows)
