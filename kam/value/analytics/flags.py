"""False key accounts (M1.6, 假大户): big on paper, not worth treating as key accounts.

Four kinds, from [002] and [004]: the one-off group purchase (团购), the one-off
big-ticket purchase (大额产品的采购 ≠ 大客户), the heavy repeat buyer whose profit is poor
(需求量大的重复消费), and the margin squeezer (扒皮大户). Every flag carries the numbers
that crossed a threshold, so a KAM who disagrees can see exactly why and argue with
the number rather than with the machine. Thresholds live in `FlagPolicy`.

One-off and repeat kinds exclude each other: an account that never repeats is not a
regular buyer. Low-profit volume and squeezer may both apply, and then both are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext_lazy as _

from . import frames
from .metrics import ratio
from .periods import Period
from .policy import FlagPolicy, Policy

GROUP_BUY = "group_buy"
ONE_OFF_BIG_TICKET = "one_off_big_ticket"
LOW_PROFIT_VOLUME = "low_profit_volume"
SQUEEZER = "squeezer"
FLAG_KINDS = (GROUP_BUY, ONE_OFF_BIG_TICKET, LOW_PROFIT_VOLUME, SQUEEZER)

FLAG_LABELS = {
    GROUP_BUY: _("One-off group purchase"),
    ONE_OFF_BIG_TICKET: _("One-off big-ticket purchase"),
    LOW_PROFIT_VOLUME: _("High volume, low profit"),
    SQUEEZER: _("Margin squeezer"),
}

_SUMMARIES = {
    GROUP_BUY: _(
        "One-off group purchase: %(share)s of lifetime revenue came in %(month)s as a basket "
        "of %(lines)d lines, and it has bought in only %(months)d month(s) in all. "
        "Not a source of lasting profit."
    ),
    ONE_OFF_BIG_TICKET: _(
        "One-off big-ticket purchase: %(share)s of lifetime revenue came in %(month)s on "
        "%(lines)d line(s), and it has bought in only %(months)d month(s) in all. "
        "A big purchase does not make a key account."
    ),
    LOW_PROFIT_VOLUME: _(
        "Buys a lot and often (%(orders)s orders a year, revenue in the top %(top)s) but "
        "earns us little: gross margin %(margin)s, net contribution %(net)s of revenue."
    ),
    SQUEEZER: _(
        "Margin squeezer, %(count)d warning signs: discount %(discount)s, %(days)s days to "
        "pay, returns %(returns)s, cost to serve %(cts)s of revenue, %(collected)s of "
        "revenue collected."
    ),
}


@dataclass(frozen=True)
class Flag:
    """One false-key-account finding. `evidence` lists each threshold crossed as
    {metric, value, threshold, op}, JSON-ready (money as decimal strings, ratios as
    floats); `summary` is one translated sentence, rendered in the active language
    when read, so the flag can be built before any request has chosen one."""

    account_id: int
    kind: str
    evidence: list[dict[str, Any]]
    summary_args: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        return str(FLAG_LABELS[self.kind])

    @property
    def summary(self) -> str:
        return str(_SUMMARIES[self.kind]) % self.summary_args

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "evidence": self.evidence, "summary": self.summary}


def evidence_item(metric: str, value: Any, threshold: Any, op: str) -> dict[str, Any]:
    return {"metric": metric, "value": _plain(value), "threshold": _plain(threshold), "op": op}


def _evidence(metric: str, value: Any, threshold: Any, op: str) -> dict[str, Any]:
    """evidence_item for values already JSON-ready."""
    return {"metric": metric, "value": value, "threshold": threshold, "op": op}


def _plain(value: Any) -> Any:
    """Money (Decimal) as a string with its cents, ratios as rounded floats."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, float):
        return round(value, 4)
    return value


def _money(value: float | Decimal | None) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def flag_accounts(
    metrics: pl.DataFrame,
    months: pl.DataFrame,
    period: Period,
    policy: Policy | None = None,
    *,
    years: pl.DataFrame | None = None,
) -> list[Flag]:
    """Flag the accounts of `metrics` that look big but are not key accounts.

    `months` is read up to `period.end` (the whole history, not just the period) so
    "bought once, never again" is judged on everything known at the period end; `years`,
    the same months by year (`frames.years_of`), saves summing them again.
    Returns flags ordered by account, then kind.
    """
    policy = policy or Policy()
    frames.require(months, frames.MONTHS, "months")
    rules = policy.flags
    history = lifetime(frames.years_up_to(months, period.end, years))
    one_offs = _one_off_flags(metrics, months, history, period, rules)
    one_off_ids = {f.account_id for f in one_offs}
    squeezers = _squeezer_flags(metrics, rules, one_off_ids)
    squeezer_ids = {f.account_id for f in squeezers}
    volume = _low_profit_volume_flags(metrics, rules, one_off_ids, squeezer_ids)
    found = one_offs + volume + squeezers
    return sorted(found, key=lambda f: (f.account_id, FLAG_KINDS.index(f.kind)))


def flag_kinds(flags: list[Flag] | pl.DataFrame | None) -> pl.DataFrame:
    """account_id → list of flag kinds, the shape the tiers need."""
    schema = {"account_id": pl.Int64, "flags": pl.List(pl.String)}
    if isinstance(flags, pl.DataFrame):
        return flags.select(list(schema)).cast(schema)
    rows = [(f.account_id, f.kind) for f in flags or []]
    if not rows:
        return pl.DataFrame(schema=schema)
    long = pl.DataFrame(rows, schema=["account_id", "kind"], orient="row")
    return long.group_by("account_id").agg(flags=pl.col("kind")).cast(schema)


# ---------------------------------------------------------------- one-off purchases


def lifetime(years: pl.DataFrame) -> pl.DataFrame:
    """Per account over a years frame (frames.YEARS, all history to the period end):
    lifetime revenue, months bought in, orders, and the revenue of its biggest month."""
    return years.group_by("account_id").agg(
        lifetime_revenue=pl.col("revenue").sum(),
        months_bought=pl.col("months_bought").sum(),
        lifetime_orders=pl.col("orders").sum(),
        biggest_revenue=pl.col("biggest_revenue").max(),
    )


def _biggest_months(months: pl.DataFrame, found: pl.DataFrame, end: date) -> pl.DataFrame:
    """account_id, biggest_month, biggest_lines for the accounts in `found` (the earliest
    month if two tie)."""
    return (
        months.filter(pl.col("month") <= end)
        .join(found.select("account_id", "biggest_revenue"), on="account_id", how="inner")
        .filter(pl.col("revenue") == pl.col("biggest_revenue"))
        .sort("account_id", "month")
        .unique("account_id", keep="first")
        .select("account_id", biggest_month="month", biggest_lines="lines")
    )


def _one_off_flags(
    metrics: pl.DataFrame,
    months: pl.DataFrame,
    history: pl.DataFrame,
    period: Period,
    rules: FlagPolicy,
) -> list[Flag]:
    revenue = pl.col("lifetime_revenue")
    material = _material(metrics, history, rules)
    if material is None:
        return []
    share = ratio(pl.col("biggest_revenue"), revenue)
    found = (
        history.join(metrics.select("account_id"), on="account_id", how="semi")
        .with_columns(biggest_share=share)
        .filter(
            (pl.col("biggest_share") >= rules.one_off_month_share)
            & (pl.col("months_bought") <= rules.one_off_max_months)
            & (pl.col("lifetime_orders") <= rules.one_off_max_orders)
            & (revenue.cast(pl.Float64) >= material)
        )
    )
    found = found.join(_biggest_months(months, found, period.end), on="account_id").sort(
        "account_id"
    )
    return [_one_off_flag(row, _money(material), rules) for row in found.iter_rows(named=True)]


def _material(metrics: pl.DataFrame, history: pl.DataFrame, rules: FlagPolicy) -> float | None:
    """The revenue a one-off must reach to matter (see FlagPolicy)."""
    if rules.one_off_material_basis == "lifetime":
        values = history.filter(pl.col("lifetime_revenue") > 0).get_column("lifetime_revenue")
    else:
        values = metrics.filter(pl.col("revenue") > 0).get_column("annualised_revenue")
    return values.cast(pl.Float64).quantile(rules.one_off_material_quantile, "linear")


def _one_off_flag(row: dict, material: Decimal, rules: FlagPolicy) -> Flag:
    group = row["biggest_lines"] >= rules.group_buy_min_lines
    items = [
        evidence_item("biggest_month_share", row["biggest_share"], rules.one_off_month_share, ">="),
        evidence_item("months_bought", row["months_bought"], rules.one_off_max_months, "<="),
        evidence_item("lifetime_orders", row["lifetime_orders"], rules.one_off_max_orders, "<="),
        evidence_item("lifetime_revenue", row["lifetime_revenue"], material, ">="),
        evidence_item(
            "biggest_month_lines",
            row["biggest_lines"],
            rules.group_buy_min_lines,
            ">=" if group else "<",
        ),
    ]
    args = {
        "share": _percent(row["biggest_share"]),
        "month": f"{row['biggest_month']:%Y-%m}",
        "lines": row["biggest_lines"],
        "months": row["months_bought"],
    }
    return Flag(row["account_id"], GROUP_BUY if group else ONE_OFF_BIG_TICKET, items, args)


# ---------------------------------------------------------------- repeat buyers


def _bought(metrics: pl.DataFrame) -> pl.DataFrame:
    return metrics.filter(pl.col("revenue") > 0)


def _low_profit_volume_flags(
    metrics: pl.DataFrame, rules: FlagPolicy, one_offs: set[int], squeezers: set[int]
) -> list[Flag]:
    """`one_offs` are left out; for `squeezers` only the gross-margin test counts. The
    top-20% bar is over every account that bought, one-offs included."""
    bought = _bought(metrics)
    if bought.is_empty():
        return []
    top_cut = (
        bought.get_column("revenue").cast(pl.Float64).quantile(1 - rules.volume_top_share, "linear")
    )
    net_margin = ratio(pl.col("net_contribution"), pl.col("revenue"))
    thin_gross = pl.col("gross_margin") < rules.volume_max_gross_margin
    thin_net = (net_margin < rules.volume_max_net_margin) & ~pl.col("account_id").is_in(
        list(squeezers)
    )
    found = (
        bought.filter(~pl.col("account_id").is_in(list(one_offs)))
        .with_columns(net_margin=net_margin, _thin_net=thin_net)
        .filter(
            (pl.col("revenue").cast(pl.Float64) >= top_cut)
            & (pl.col("orders_per_year") >= rules.volume_min_orders_per_year)
            & (thin_gross | pl.col("_thin_net"))
        )
        .select(
            "account_id", "revenue", "orders_per_year", "gross_margin", "net_margin", "_thin_net"
        )
        .sort("account_id")
    )
    return [_volume_flag(row, _money(top_cut), rules) for row in found.iter_rows(named=True)]


def _volume_flag(row: dict, top_cut: Decimal, rules: FlagPolicy) -> Flag:
    items = [
        evidence_item("revenue", row["revenue"], top_cut, ">="),
        evidence_item(
            "orders_per_year", row["orders_per_year"], rules.volume_min_orders_per_year, ">="
        ),
    ]
    if row["gross_margin"] < rules.volume_max_gross_margin:
        items.append(
            evidence_item("gross_margin", row["gross_margin"], rules.volume_max_gross_margin, "<")
        )
    if row["_thin_net"]:
        items.append(
            evidence_item("net_margin", row["net_margin"], rules.volume_max_net_margin, "<")
        )
    args = {
        "orders": f"{row['orders_per_year']:.0f}",
        "top": _percent(rules.volume_top_share),
        "margin": _percent(row["gross_margin"]),
        "net": _percent(row["net_margin"]),
    }
    return Flag(row["account_id"], LOW_PROFIT_VOLUME, items, args)


def _squeezer_signals(rules: FlagPolicy) -> list[tuple[str, pl.Expr, float, str]]:
    """(metric, its expression, threshold, op) for each warning sign of a squeezer."""
    revenue = pl.col("revenue")
    return [
        ("discount_rate", pl.col("discount_rate"), rules.squeezer_discount_rate, ">="),
        ("days_to_pay", pl.col("days_to_pay"), rules.squeezer_days_to_pay, ">="),
        ("return_rate", pl.col("return_rate"), rules.squeezer_return_rate, ">="),
        (
            "cost_to_serve_rate",
            ratio(pl.col("cost_to_serve"), revenue),
            rules.squeezer_cost_to_serve_rate,
            ">=",
        ),
        (
            "collection_rate",
            ratio(pl.col("cash_collected"), revenue),
            rules.squeezer_collection_rate,
            "<",
        ),
    ]


def _crossed(expr: pl.Expr, threshold: float, op: str) -> pl.Expr:
    return (expr >= threshold if op == ">=" else expr < threshold).fill_null(False)


def _squeezer_flags(metrics: pl.DataFrame, rules: FlagPolicy, one_offs: set[int]) -> list[Flag]:
    signals = _squeezer_signals(rules)
    values = {name: expr.alias(name) for name, expr, _t, _op in signals}
    hits = {
        f"_{name}": _crossed(pl.col(name), threshold, op) for name, _e, threshold, op in signals
    }
    # unpaid money only counts when some of it is still owed at the period end
    hits["_collection_rate"] = hits["_collection_rate"] & (pl.col("receivables") > 0)
    found = (
        _bought(metrics)
        .filter(~pl.col("account_id").is_in(list(one_offs)))
        .with_columns(**values)
        .with_columns(**hits)
        .with_columns(_count=pl.sum_horizontal([pl.col(h).cast(pl.Int64) for h in hits]))
        .filter(
            (pl.col("orders_per_year") >= rules.squeezer_min_orders_per_year)
            & (pl.col("_count") >= rules.squeezer_min_signals)
        )
        .select("account_id", "orders_per_year", "receivables", "_count", *values, *hits)
        .sort("account_id")
    )
    # Evidence values made JSON-ready in Polars, thresholds once: thousands of squeezers
    # in a big portfolio would otherwise spend more time here than in finding them.
    plain = found.with_columns(
        pl.col("orders_per_year", *values).round(4),
        _receivables=pl.col("receivables").cast(pl.String),
    )
    signals = [(n, e, t, op, _plain(t)) for n, e, t, op in signals]
    return [_squeezer_flag(row, signals, rules) for row in plain.iter_rows(named=True)]


def _squeezer_flag(row: dict, signals: list, rules: FlagPolicy) -> Flag:
    items = [
        _evidence(
            "orders_per_year", row["orders_per_year"], rules.squeezer_min_orders_per_year, ">="
        )
    ]
    for name, _expr, _threshold, op, plain_threshold in signals:
        if row[f"_{name}"]:
            items.append(_evidence(name, row[name], plain_threshold, op))
            if name == "collection_rate":
                items.append(_evidence("receivables", row["_receivables"], "0.00", ">"))
    days = row["days_to_pay"]
    args = {
        "count": row["_count"],
        "discount": _percent(row["discount_rate"]),
        "days": "—" if days is None else f"{days:.0f}",
        "returns": _percent(row["return_rate"]),
        "cts": _percent(row["cost_to_serve_rate"]),
        "collected": _percent(row["collection_rate"]),
    }
    return Flag(row["account_id"], SQUEEZER, items, args)
