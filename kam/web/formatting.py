"""Amounts as people read them: 万 and 亿 for yuan in Chinese, thousands and millions otherwise.

A boss reads ¥1.35亿 or ¥135.0M at a glance where ¥135,012,345.67 needs counting digits.
Exact amounts stay in tables that add up and in exports; these are for headlines and charts.
The symbol is the company's currency (settings.KAM_CURRENCY, see kam.core.currency); other
currencies than the yuan use K/M/B in Chinese as well ($1.35M), never 万/亿.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kam.core.currency import symbol as currency_symbol
from kam.core.currency import uses_wan

WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def short_amount(value, language: str, currency: str = "CNY") -> str:
    """¥1.35亿, ¥350万, ¥8,500 (CNY in Chinese); ¥135.0M, ¥350.0K, ¥8,500 (English, and
    every other currency in either language: $1.35M). None → "–"."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    symbol = currency_symbol(currency)
    if uses_wan(currency, language):
        if amount >= YI:
            body = _trim(f"{_round(amount / YI, 2)}") + "亿"
        elif amount >= WAN:
            body = _trim(f"{_round(amount / WAN, 1 if amount < 100 * WAN else 0)}") + "万"
        else:
            body = f"{_round(amount, 0):,}"
    elif amount >= 1_000_000_000:
        body = f"{_round(amount / 1_000_000_000, 2)}B"
    elif amount >= 1_000_000:
        body = f"{_round(amount / 1_000_000, 1)}M"
    elif amount >= 10_000:
        body = f"{_round(amount / 1_000, 1)}K"
    else:
        body = f"{_round(amount, 0):,}"
    return f"{sign}{symbol}{body}"


def exact_amount(value, currency: str = "CNY") -> str:
    """¥1,234,567.80: two decimals with thousands separators, for tables and tooltips."""
    if value is None or value == "":
        return "–"
    amount = _round(Decimal(str(value)), 2)
    symbol = currency_symbol(currency)
    return f"{'-' if amount < 0 else ''}{symbol}{abs(amount):,}"


def percent(value, places: int = 1) -> str:
    """A fraction as a percentage: 0.4567 → 45.7%. None → "–"."""
    if value is None:
        return "–"
    return f"{_round(Decimal(str(value)) * 100, places)}%"


MINUS = "\u2212"
"""The minus sign (−), not the hyphen: a change reads −4.0%, as in print."""


def signed_percent(value, places: int = 1) -> str:
    """A change as a percentage with its sign: 0.123 → +12.3%, −0.04 → −4.0%, 0 → 0.0%.
    None → "–" (unknown, never +0%)."""
    if value is None:
        return "–"
    rounded = _round(Decimal(str(value)) * 100, places)
    if rounded == 0:
        return f"{abs(rounded)}%"
    return f"{'+' if rounded > 0 else MINUS}{abs(rounded)}%"


# ---------------------------------------------------------------- unknown figures

UNKNOWN = "—"
NO_COST, NO_PAYMENTS, NO_COST_OR_PAYMENTS = "no_cost", "no_payments", "no_cost_or_payments"
REASONS = {
    NO_COST: _("Unknown: the imported data has no cost for this revenue (or part of it)."),
    NO_PAYMENTS: _(
        "Unknown: the imported data has no payment data for this revenue (or part of it)."
    ),
    NO_COST_OR_PAYMENTS: _(
        "Unknown: it needs the cost of goods and payment data, and the imported data "
        "lacks one of them here."
    ),
}
"""Why a figure is unknown, as a page says it next to the "—"."""

UNKNOWN_BECAUSE = {
    "cost": NO_COST,
    "cost_of_goods": NO_COST,
    "gross_profit": NO_COST,
    "gross_margin": NO_COST,
    "cash_collected": NO_PAYMENTS,
    "receivables": NO_PAYMENTS,
    "average_receivables": NO_PAYMENTS,
    "financing_cost": NO_PAYMENTS,
    "net_contribution": NO_COST_OR_PAYMENTS,
}
"""The metrics that are unknown (null) when an input is missing, and which input."""


def unknown_reason(metric: str, row=None) -> str | None:
    """Why `metric` is unknown, or None when it is not a figure that can lack its input.
    With the account's `row`, net contribution names the input that is actually missing."""
    reason = UNKNOWN_BECAUSE.get(metric)
    if reason == NO_COST_OR_PAYMENTS and row is not None:
        if row.get("gross_profit") is None:
            reason = NO_COST
        elif row.get("financing_cost") is None:
            reason = NO_PAYMENTS
    return None if reason is None else str(REASONS[reason])


def unknown(reason: str | None) -> SafeString:
    """The one way a page shows an unknown figure: "—", the reason as its tooltip and for
    screen readers. Without a reason (nothing to divide, no period to compare) a plain "–"."""
    if not reason:
        return format_html('<span class="muted">{}</span>', "–")
    return format_html(
        '<span class="unknown" title="{}" aria-label="{}">{}</span>', reason, reason, UNKNOWN
    )


def figure(value, kind: str, metric: str = "", *, language: str, currency: str, row=None):
    """A figure as a page shows it (money short with the exact amount as tooltip, share as
    percent, days, count), or `unknown` with the reason when it is None."""
    if value is None or value == "":
        return unknown(unknown_reason(metric, row))
    if kind == "money":
        return format_html(
            '<span title="{}">{}</span>',
            exact_amount(value, currency),
            short_amount(value, language, currency),
        )
    if kind == "exact":
        return exact_amount(value, currency)
    if kind == "share":
        return percent(value)
    if kind == "days":
        return f"{float(value):.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
