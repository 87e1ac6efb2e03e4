"""False key accounts (M1.6, 假大户): big on paper, not worth treating as key accounts.

Four kinds, from [002] and [004]: the one-off group purchase (团购), the one-off
big-ticket purchase (大额产品的采购 ≠ 大客户), the heavy repeat buyer whose profit is poor
(需求量大的重复消费), and the margin squeezer (扒皮大户). Every flag carries the numbers
that crossed a threshold, so a KAM who disagrees can see exactly why and argue with
the number rather than with the machine. Thresholds live in `FlagPolicy`.

One-off and repeat kinds exclude each other: an account that never repeats is not a
regular buyer. Low-profit volume and squeezer may both apply, and then both are shown.
A one-off belongs to the periods within a look-back of its purchase and says when it was;
which kind it is follows from what was bought (unit price against the company's usual),
never from how many lines the order had. A flag's sentence names exactly the criteria that
triggered, formatted as its evidence rows are (`format_evidence`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.utils.translation import gettext_lazy as _

from . import frames
from .metrics import ratio
from .periods import Period, add_months
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
        "One-off group purchase: in %(month)s it bought %(units)s at %(ratio)s the company's "
        "usual %(measure)s; that month holds %(share)s of its lifetime revenue, and it has "
        "bought in only %(months)d month(s) in all. Not a source of lasting profit."
    ),
    ONE_OFF_BIG_TICKET: _(
        "One-off big-ticket purchase: in %(month)s it bought goods at %(ratio)s the "
        "company's usual %(measure)s; that month holds %(share)s of its lifetime revenue, and "
        "it has bought in only %(months)d month(s) in all. A big purchase does not make a key "
        "account."
    ),
    LOW_PROFIT_VOLUME: _(
        "Buys a lot and often (%(orders)s orders a year, revenue in the top %(top)s) but "
        "earns us little: %(signs)s."
    ),
    SQUEEZER: _("Margin squeezer, %(count)d warning signs: %(signs)s."),
}
_BEFORE_PERIOD = _(
    "That month is before this period: one-offs are looked for in the period and the "
    "%(lookback)d months before it."
)
_MEASURES = {
    "unit_price_ratio": _("unit price"),
    "line_amount_ratio": _("amount per line (the data has no units)"),
}
_UNITS = _("%(units)s units")
_SIGN = _("%(label)s %(value)s (limit %(op)s %(threshold)s)")
_SIGN_SEPARATOR = _("; ")

EVIDENCE_LABELS = {
    "biggest_month_share": _("Biggest month's share of lifetime revenue"),
    "months_bought": _("Months with purchases, ever"),
    "lifetime_orders": _("Orders, ever"),
    "lifetime_revenue": _("Lifetime revenue"),
    "unit_price_ratio": _("Unit price in that month ÷ the company's usual"),
    "line_amount_ratio": _("Amount per line in that month ÷ the company's usual"),
    "revenue": _("Revenue"),
    "orders_per_year": _("Orders a year"),
    "gross_margin": _("Gross margin"),
    "net_margin": _("Net contribution ÷ revenue"),
    "discount_rate": _("Discount rate"),
    "days_to_pay": _("Days to pay"),
    "return_rate": _("Return rate"),
    "cost_to_serve_rate": _("Cost to serve ÷ revenue"),
    "collection_rate": _("Cash collected ÷ revenue"),
    "receivables": _("Open receivables"),
}
"""What each evidence figure is, for every page, export and sentence that shows one."""
MONEY_EVIDENCE = frozenset({"lifetime_revenue", "revenue", "receivables"})
SHARE_EVIDENCE = frozenset(
    {
        "biggest_month_share",
        "gross_margin",
        "net_margin",
        "discount_rate",
        "return_rate",
        "cost_to_serve_rate",
        "collection_rate",
    }
)
RATIO_EVIDENCE = frozenset({"unit_price_ratio", "line_amount_ratio"})
OPS = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}
_SIGNS = {
    LOW_PROFIT_VOLUME: ("gross_margin", "net_margin"),
    SQUEEZER: (
        "discount_rate",
        "days_to_pay",
        "return_rate",
        "cost_to_serve_rate",
        "collection_rate",
    ),
}
"""The evidence items a kind's sentence names: exactly those that triggered."""


def format_evidence(metric: str, value: Any) -> str:
    """A non-money evidence figure the one way every page and sentence shows it: shares as
    percent with one decimal rounded half up (as `kam.web.formatting.percent`), ratios to
    the usual as "12.3×", days and counts whole. Money is left to the caller's formatter,
    which knows the currency and language."""
    if value is None:
        return "—"
    if metric in SHARE_EVIDENCE:
        return f"{_half_up(Decimal(str(value)) * 100, 1)}%"
    if metric in RATIO_EVIDENCE:
        return f"{_half_up(Decimal(str(value)), 1)}×"
    if isinstance(value, float):
        return f"{_half_up(Decimal(str(value)), 1)}".removesuffix(".0")
    return str(value)


def _half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Flag:
    """One false-key-account finding. `evidence` lists each threshold crossed as
    {metric, value, threshold, op}, JSON-ready (money as decimal strings, ratios as
    floats); `summary` is one translated sentence naming exactly those figures, rendered
    in the active language when read, so the flag can be built before any request has
    chosen one. `month` is when the triggering purchase was (the biggest month of a
    one-off); None for the repeat kinds, whose evidence is the period itself."""

    account_id: int
    kind: str
    evidence: list[dict[str, Any]]
    summary_args: dict[str, Any] = field(default_factory=dict, compare=False)
    month: date | None = None
    before_period: bool = False
    lookback: int = 0

    @property
    def label(self) -> str:
        return str(FLAG_LABELS[self.kind])

    @property
    def summary(self) -> str:
        args = dict(self.summary_args)
        if "measure" in args:
            args["measure"] = str(_MEASURES[args["measure"]])
        if "units" in args:
            args["units"] = str(_UNITS) % {"units": args["units"]}
        if self.kind in _SIGNS:
            signs = [item for item in self.evidence if item["metric"] in _SIGNS[self.kind]]
            args["signs"] = str(_SIGN_SEPARATOR).join(sign_text(item) for item in signs)
            args["count"] = len(signs)
        text = str(_SUMMARIES[self.kind]) % args
        if self.before_period:
            text += " " + str(_BEFORE_PERIOD) % {"lookback": self.lookback}
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "month": None if self.month is None else f"{self.month:%Y-%m}",
            "evidence": self.evidence,
            "summary": self.summary,
        }


def sign_text(item: dict[str, Any]) -> str:
    """One triggered criterion as the sentence names it: figure, value, limit."""
    return str(_SIGN) % {
        "label": str(EVIDENCE_LABELS.get(item["metric"], item["metric"])),
        "value": format_evidence(item["metric"], item["value"]),
        "op": OPS.get(item["op"], item["op"]),
        "threshold": format_evidence(item["metric"], item["threshold"]),
    }


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
    """As format_evidence shows a share: the sentence and the figures round alike."""
    return format_evidence("gross_margin", None if value is None else round(value, 4))


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


@dataclass(frozen=True)
class Usual:
    """What the company usually sells, per account-month up to the period end (medians, so
    a few big tickets don't move them): the average unit price (revenue ÷ units) and the
    amount per line. None where no month has the figure."""

    unit_price: float | None
    line_amount: float | None


def usual_purchase(months: pl.DataFrame, end: date) -> Usual:
    """The company's usual unit price and amount per line (see Usual). The rollup keeps
    units and lines per account-month (sums, so it stays additive); the comparison is with
    the company as a whole, since the rollup keeps no product breakdown."""
    bought = months.lazy().filter((pl.col("month") <= end) & (pl.col("revenue") > 0))
    revenue = pl.col("revenue").cast(pl.Float64)
    quantity = pl.col("quantity").cast(pl.Float64)
    row = (
        bought.select(
            unit_price=pl.when(quantity > 0).then(revenue / quantity).median(),
            line_amount=pl.when(pl.col("lines") > 0).then(revenue / pl.col("lines")).median(),
        )
        .collect()
        .row(0, named=True)
    )
    return Usual(row["unit_price"], row["line_amount"])


def _biggest_months(months: pl.DataFrame, found: pl.DataFrame, end: date) -> pl.DataFrame:
    """account_id, biggest_month and what was bought in it (units, lines), for the
    accounts in `found` (the earliest month if two tie)."""
    return (
        months.filter(pl.col("month") <= end)
        .join(found.select("account_id", "biggest_revenue"), on="account_id", how="inner")
        .filter(pl.col("revenue") == pl.col("biggest_revenue"))
        .sort("account_id", "month")
        .unique("account_id", keep="first")
        .select(
            "account_id",
            biggest_month="month",
            biggest_lines="lines",
            biggest_units=pl.col("quantity").cast(pl.Float64),
        )
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
    since = add_months(period.start, -rules.one_off_lookback_months)
    found = (
        found.join(_biggest_months(months, found, period.end), on="account_id")
        .filter(pl.col("biggest_month") >= since)
        .sort("account_id")
    )
    if found.is_empty():
        return []
    usual = usual_purchase(months, period.end)
    return [
        _one_off_flag(row, _money(material), rules, usual, period)
        for row in found.iter_rows(named=True)
    ]


def _material(metrics: pl.DataFrame, history: pl.DataFrame, rules: FlagPolicy) -> float | None:
    """The revenue a one-off must reach to matter (see FlagPolicy)."""
    if rules.one_off_material_basis == "lifetime":
        values = history.filter(pl.col("lifetime_revenue") > 0).get_column("lifetime_revenue")
    else:
        values = metrics.filter(pl.col("revenue") > 0).get_column("annualised_revenue")
    return values.cast(pl.Float64).quantile(rules.one_off_material_quantile, "linear")


def price_ratio(row: dict, usual: Usual) -> tuple[str, float | None]:
    """The biggest month's price against the company's usual: its unit price when the
    data has units, else its amount per line. (metric name, ratio or None)."""
    revenue = float(row["biggest_revenue"])
    units, lines = row["biggest_units"] or 0, row["biggest_lines"] or 0
    if units > 0 and usual.unit_price:
        return "unit_price_ratio", revenue / units / usual.unit_price
    if lines > 0 and usual.line_amount:
        return "line_amount_ratio", revenue / lines / usual.line_amount
    return "unit_price_ratio", None


def one_off_kind(ratio_to_usual: float | None, rules: FlagPolicy) -> str:
    """团购 or 大额产品 by what was bought: goods priced far above the company's usual line
    are a big ticket; many units of ordinary goods (or a price the data cannot tell) a
    group buy — however many lines the order had."""
    if ratio_to_usual is not None and ratio_to_usual >= rules.big_ticket_price_ratio:
        return ONE_OFF_BIG_TICKET
    return GROUP_BUY


def _one_off_flag(
    row: dict, material: Decimal, rules: FlagPolicy, usual: Usual, period: Period
) -> Flag:
    measure, price = price_ratio(row, usual)
    kind = one_off_kind(price, rules)
    items = [
        evidence_item("biggest_month_share", row["biggest_share"], rules.one_off_month_share, ">="),
        evidence_item("months_bought", row["months_bought"], rules.one_off_max_months, "<="),
        evidence_item("lifetime_orders", row["lifetime_orders"], rules.one_off_max_orders, "<="),
        evidence_item("lifetime_revenue", row["lifetime_revenue"], material, ">="),
    ]
    if price is not None:
        op = ">=" if kind == ONE_OFF_BIG_TICKET else "<"
        items.append(evidence_item(measure, price, float(rules.big_ticket_price_ratio), op))
    units = row["biggest_units"] or 0
    args = {
        "share": format_evidence("biggest_month_share", items[0]["value"]),
        "month": f"{row['biggest_month']:%Y-%m}",
        "months": row["months_bought"],
        "measure": measure,
        "ratio": format_evidence(measure, None if price is None else items[-1]["value"]),
    }
    if kind == GROUP_BUY:
        args["units"] = f"{units:,.0f}" if units > 0 else "—"
    return Flag(
        row["account_id"],
        kind,
        items,
        args,
        month=row["biggest_month"],
        before_period=row["biggest_month"] < period.start,
        lookback=rules.one_off_lookback_months,
    )


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
    return Flag(row["account_id"], SQUEEZER, items)
