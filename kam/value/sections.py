"""The value app's sections of the account page: the tier beside the account's name with
the period picker, the tier card (set by hand, history) and the account's value in the
period (metrics, trend, waterfall, false key account checks, scorecard with its potential
inputs), and their endpoints. See kam.accounts.sections for how sections work.

The figures come from the company analysis of the period (kam.value.portfolio), computed
once per page and shared by the sections; nothing here aggregates order lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.accounts.sections import (
    HEADER,
    TITLE,
    Endpoint,
    Page,
    Refused,
    Saved,
    Section,
    keep_in_address,
    register,
    submit,
)
from kam.core.currency import symbol as currency_symbol
from kam.core.currency import uses_wan
from kam.core.history import history_of
from kam.sales.choices import CostCategory
from kam.sales.models import AccountMonth
from kam.web.formatting import exact_amount, short_amount

from . import periods, portfolio
from . import services as value_services
from .analytics.flags import FLAG_LABELS
from .analytics.periods import Period, add_months
from .analytics.pnl import waterfall
from .analytics.scorecard import NOT_ASSESSED, QUADRANT_LABELS, posture
from .charts import evidence_rows
from .choices import Tier
from .forms import WEIGHT_LABELS, ClearOverrideForm, PotentialForm, TierOverrideForm, period_form

TREND_MONTHS = 36

MONEY, SHARE, COUNT, DAYS, CHANGE = "money", "share", "count", "days", "change"
METRICS = (
    ("revenue", gettext_lazy("Revenue"), MONEY),
    ("cost", gettext_lazy("Cost of goods"), MONEY),
    ("gross_profit", gettext_lazy("Gross profit"), MONEY),
    ("gross_margin", gettext_lazy("Gross margin"), SHARE),
    ("discount_rate", gettext_lazy("Discount rate"), SHARE),
    ("cash_collected", gettext_lazy("Cash collected"), MONEY),
    ("days_to_pay", gettext_lazy("Days to pay"), DAYS),
    ("receivables", gettext_lazy("Receivables at period end"), MONEY),
    ("orders", gettext_lazy("Orders"), COUNT),
    ("active_months", gettext_lazy("Months with purchases"), COUNT),
    ("growth", gettext_lazy("Growth on the previous period"), CHANGE),
    ("return_rate", gettext_lazy("Return rate"), SHARE),
    ("cost_to_serve", gettext_lazy("Cost to serve"), MONEY),
    ("net_contribution", gettext_lazy("Net contribution"), MONEY),
)

TIER_FIELDS = ("tier", "computed_tier")
TIER_LABELS = dict(Tier.choices)


def period_from(params, user) -> Period:
    return period_form(params, user).period()


@dataclass
class TrendMonth:
    month: date
    revenue: Decimal = Decimal("0.00")
    known_cost: Decimal = Decimal("0.00")
    uncosted_revenue: Decimal = Decimal("0.00")

    @property
    def cost(self) -> Decimal | None:
        """Unknown (None) when part of the month's revenue has no cost in the data."""
        return None if self.uncosted_revenue else self.known_cost

    @property
    def gross_profit(self) -> Decimal | None:
        return None if self.cost is None else self.revenue - self.cost


def trend(account: Account, period: Period) -> list[TrendMonth]:
    """The 36 months up to the period's end, months without purchases as zero. One query."""
    first = add_months(period.last_month, 1 - TREND_MONTHS)
    rows = AccountMonth.objects.filter(
        account=account, month__gte=first, month__lte=period.end
    ).values_list("month", "revenue", "cost", "uncosted_revenue")
    found = {row[0]: TrendMonth(*row) for row in rows}
    starts = [add_months(first, i) for i in range(TREND_MONTHS)]
    return [found.get(start) or TrendMonth(start) for start in starts]


# ---------------------------------------------------------------- value


def _row(frame: pl.DataFrame, account_id: int) -> dict | None:
    rows = frame.filter(pl.col("account_id") == account_id).to_dicts()
    return rows[0] if rows else None


def tier_of(account: Account, analysis) -> dict:
    """The tier people see (the override if a manager set one) and what the data says;
    the account page and the API's tier both show this."""
    row = _row(analysis.tiers, account.pk) or {}
    state = getattr(account, "tier_state", None)
    computed = row.get("computed_tier") or row.get("tier") or (state and state.computed_tier)
    override = state.override_tier if state is not None else ""
    shown = override or computed or ""
    uncapped = str(row.get("uncapped_tier") or "")
    capped_by = list(row.get("capped_by_flags") or [])
    return {
        "key": shown,
        "label": TIER_LABELS.get(shown, ""),
        "computed": computed or "",
        "computed_label": TIER_LABELS.get(computed or "", ""),
        "overridden": bool(override),
        "state": state,
        "uncapped": uncapped,
        "uncapped_label": TIER_LABELS.get(uncapped, ""),
        "capped_by_flags": capped_by,
        "capped_by": [str(FLAG_LABELS.get(kind, kind)) for kind in capped_by],
    }


def _value(account: Account, analysis) -> dict:
    metrics = _row(analysis.metrics, account.pk)
    pnl = _row(analysis.pnl, account.pk)
    card = _row(analysis.scorecard, account.pk) or {}
    quadrant = card.get("quadrant") or NOT_ASSESSED
    flags = [flag for flag in analysis.flags if flag.account_id == account.pk]
    uncosted = (metrics or {}).get("uncosted_revenue")
    return {
        "has_sales": metrics is not None and bool(metrics.get("revenue") or metrics.get("orders")),
        "row": metrics,
        "uncosted_revenue": uncosted if uncosted and uncosted > 0 else None,
        "uncosted_share": (metrics or {}).get("uncosted_share"),
        "score_left_out": _score_left_out(analysis, account.pk),
        "metrics": [
            {
                "key": key,
                "label": label,
                "kind": kind,
                "value": (metrics or {}).get(key),
                "reason": (
                    periods.account_growth_unknown(metrics, analysis.comparison)
                    if key == "growth"
                    else None
                ),
            }
            for key, label, kind in METRICS
        ],
        "flags": [
            {
                "kind": flag.kind,
                "label": flag.label,
                "summary": flag.summary,
                "month": flag.month,
                "evidence": evidence_rows(flag),
            }
            for flag in flags
        ],
        "scorecard": {
            "current": card.get("current_score"),
            "potential": card.get("potential_score"),
            "headroom": card.get("headroom"),
            "quadrant": quadrant,
            "label": QUADRANT_LABELS[quadrant],
            "reason": card.get("current_reason"),
            "value_score": card.get("value_score"),
            "posture": posture(quadrant, flags, card.get("current_reason")),
        },
        "waterfall_option": _waterfall_option(pnl) if _has_sales(pnl) else None,
        "waterfall_unknown": _has_sales(pnl) and any(v is None for v in pnl.values()),
    }


def _has_sales(pnl: dict | None) -> bool:
    """A period with no sales draws no waterfall: an all-zero chart says nothing true."""
    return bool(pnl) and any(pnl.get(key) for key in ("list_revenue", "revenue"))


def _score_left_out(analysis, account_id: int) -> str:
    """The weighted metrics the account's value score had to leave out as unknown, named
    for the page ("" when it used them all or has no score)."""
    tier = _row(analysis.tiers, account_id) or {}
    if tier.get("score") is None or "score_metrics" not in tier:
        return ""
    used = set(tier["score_metrics"] or [])
    left = [name for name in analysis.policy.value.normalised_weights() if name not in used]
    return ", ".join(str(WEIGHT_LABELS.get(name, name)) for name in left)


# ---------------------------------------------------------------- charts


def _unit(largest: Decimal) -> tuple[Decimal, str]:
    """Divide chart amounts by a unit people read (万/亿 for yuan in Chinese, else K/M) and
    say it on the axis in the company's currency."""
    language = get_language() or "zh-hans"
    code = settings.KAM_CURRENCY
    largest = abs(largest)
    if uses_wan(code, language):
        if largest >= Decimal(100_000_000):
            return Decimal(100_000_000), _("¥100M (亿)")
        if largest >= Decimal(10_000):
            return Decimal(10_000), _("¥10K (万)")
        return Decimal(1), _("¥")
    sign = {"symbol": currency_symbol(code).strip()}
    if largest >= Decimal(1_000_000):
        return Decimal(1_000_000), _("%(symbol)s million") % sign
    if largest >= Decimal(1_000):
        return Decimal(1_000), _("%(symbol)s thousand") % sign
    return Decimal(1), sign["symbol"]


def _scaled(amount: Decimal, unit: Decimal) -> float:
    return round(float(amount / unit), 2)


def _month_link(month: date) -> str:
    """A month's bar opens the account on that month."""
    query = periods.query_string(Period.month(month.year, month.month))
    return f"?{query}#value-tab"


def _trend_option(months: list[TrendMonth]) -> dict | None:
    """Revenue bars and a gross-profit line by month; None when no month had a sale, so
    the page says so in a sentence instead of drawing an empty chart."""
    if not any(m.revenue for m in months):
        return None
    largest = max((max(m.revenue, abs(m.gross_profit or 0)) for m in months), default=Decimal(0))
    unit, unit_name = _unit(largest)
    labels = [f"{m.month:%Y-%m}" for m in months]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Revenue"), _("Gross profit")], "top": 0},
        "grid": {"left": 50, "right": 16, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "name": unit_name},
        "series": [
            {
                "name": _("Revenue"),
                "type": "bar",
                "data": [
                    {"value": _scaled(m.revenue, unit), "link": _month_link(m.month)}
                    for m in months
                ],
            },
            {
                "name": _("Gross profit"),
                "type": "line",
                "smooth": True,
                # an unknown month is a gap in the line, not a drop to zero
                "data": [
                    None if m.gross_profit is None else _scaled(m.gross_profit, unit)
                    for m in months
                ],
            },
        ],
    }


TOTAL_COLOUR, MINUS_COLOUR, LOSS_COLOUR = "#1d5fa8", "#c0504d", "#b4232a"


def _waterfall_option(row: dict) -> dict:
    """Bars from list-price revenue down to net contribution: totals from zero, each cost a
    drop. A transparent base bar under each step, stacked with stackStrategy "all", so a
    loss below zero is drawn as well as a profit."""
    categories = dict(CostCategory.choices)
    steps = waterfall(row)
    if any(step["amount"] is None for step in steps):
        return None  # a bar drawn at 0 for an unknown cost would be the lie we avoid
    largest = max((abs(step["amount"]) for step in steps), default=Decimal(0))
    unit, unit_name = _unit(largest)
    labels, bases, bars = [], [], []
    running = Decimal(0)
    for step in steps:
        amount = step["amount"]
        label = str(categories.get(step["label"], step["label"]))
        if step["kind"] == "total":
            low, high, running = min(0, amount), max(0, amount), amount
            colour = TOTAL_COLOUR if amount >= 0 else LOSS_COLOUR
        else:
            low, high = sorted((running - amount, running))
            running -= amount
            colour = MINUS_COLOUR
            label = f"− {label}"
        labels.append(label)
        bases.append(_scaled(low, unit))
        shown = short_amount(amount if step["kind"] == "total" else -amount, get_language() or "")
        bars.append(
            {
                "value": _scaled(high - low, unit),
                "itemStyle": {"color": colour},
                "label": {
                    "show": step["kind"] == "total" or abs(amount) * 20 >= largest,
                    "position": "top",
                    "formatter": shown,
                },
                "tooltip": {"formatter": f"{label}: {exact_amount(amount)}"},
            }
        )
    return {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 50, "right": 16, "top": 30, "bottom": 95},
        "xAxis": {
            "type": "category",
            "data": labels,
            # every step named, turned and shortened so neighbours never overlap
            "axisLabel": {"interval": 0, "rotate": 40, "width": 90, "overflow": "truncate"},
        },
        "yAxis": {"type": "value", "name": unit_name},
        "series": [
            {
                "type": "bar",
                "stack": "pnl",
                "stackStrategy": "all",
                "silent": True,
                "itemStyle": {"color": "transparent"},
                "tooltip": {"show": False},
                "data": bases,
            },
            {
                "type": "bar",
                "stack": "pnl",
                "stackStrategy": "all",
                "data": bars,
                "labelLayout": {"hideOverlap": True},
            },
        ],
    }


def account_chart(page: Page) -> JsonResponse:
    """The monthly revenue and gross profit trend as data, for anyone who may see the page."""
    account = page.account
    period = period_from(page.request.GET, page.user)
    months = trend(account, period)
    return JsonResponse(
        {
            "account": {"id": account.pk, "code": account.code, "name": account.name},
            "from": months[0].month.isoformat(),
            "to": months[-1].month.isoformat(),
            "months": [
                {
                    "month": f"{m.month:%Y-%m}",
                    "revenue": str(m.revenue),
                    "cost": None if m.cost is None else str(m.cost),
                    "gross_profit": None if m.gross_profit is None else str(m.gross_profit),
                }
                for m in months
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


# ---------------------------------------------------------------- sections


def _picker(page: Page):
    return page.shared("value.picker", lambda: period_form(page.request.GET, page.user))


def _analysis(page: Page):
    """The company analysis of the period shown, once for all the value sections."""
    return page.shared("value.analysis", lambda: portfolio.company(_picker(page).period()).analysis)


def period_context(page: Page) -> dict:
    """The tier tag beside the account's name and the period picker."""
    return {"picker": _picker(page), "tier": tier_of(page.account, _analysis(page))}


def tier_context(page: Page) -> dict:
    """The tier card: what the figures give, a tier set by hand, its forms and history."""
    account = page.account
    state = getattr(account, "tier_state", None)
    watched = [value_services.tier_watch(account, state)]
    stored = state.tier if state is not None else ""
    return {
        "tier": tier_of(account, _analysis(page)),
        "tier_history": _tier_history(account),
        "may_steer_tiers": page.may(Action.STEER_VALUE),
        "override_form": page.form(
            "override",
            lambda: TierOverrideForm(initial={"tier": stored}, seen_of=account, watched=watched),
        ),
        "clear_form": page.form(
            "clear_override", lambda: ClearOverrideForm(seen_of=account, watched=watched)
        ),
    }


def value_context(page: Page) -> dict:
    """The account's value in the period: metrics, charts, checks, scorecard."""
    account = page.account
    picker = _picker(page)
    period = picker.period()
    potential_form = None
    if page.may(Action.EDIT):
        potential = getattr(account, "potential", None)
        potential_form = page.form(
            "potential",
            lambda: PotentialForm.for_potential(
                potential,
                seen_of=account,
                watched=value_services.potential_watches(account, potential),
            ),
        )
    return {
        "picker": picker,
        "period": period,
        "value": _value(account, _analysis(page)),
        "trend_option": _trend_option(trend(account, period)),
        "potential_form": potential_form,
    }


def _tier_history(account) -> list:
    """The tier's moves, computed and by hand, newest first, in one query."""
    changes = history_of(account).filter(field__in=TIER_FIELDS).select_related("changed_by")
    out = []
    for change in changes:
        change.old_label = TIER_LABELS.get(change.old_value, change.old_value)
        change.new_label = TIER_LABELS.get(change.new_value, change.new_value)
        out.append(change)
    return out


def set_potential(page: Page) -> Saved | Refused:
    """Save the scorecard's potential inputs (history keeps who assessed them)."""
    account, by = page.account, page.user
    form = PotentialForm(page.request.POST, seen_of=account)
    return submit(
        form,
        "potential",
        lambda data: value_services.set_potential(
            account, by=by, seen=data["seen"], **form.values()
        ),
        "scorecard",
    )


def override_tier(page: Page) -> Saved | Refused:
    """Set the tier by hand, with a reason that history keeps."""
    account, by = page.account, page.user
    return submit(
        TierOverrideForm(page.request.POST, seen_of=account),
        "override",
        lambda data: value_services.override_tier(
            account, data["tier"], reason=data["reason"], by=by, seen=data["seen"]
        ),
        "account-header",
    )


def clear_override(page: Page) -> Saved | Refused:
    """Go back to the tier the figures give."""
    account, by = page.account, page.user
    return submit(
        ClearOverrideForm(page.request.POST, seen_of=account),
        "clear_override",
        lambda data: value_services.clear_override(
            account, reason=data["reason"], by=by, seen=data["seen"]
        ),
        "account-header",
    )


def period_in_address(params) -> str:
    """The period the address names, as kam.value.periods writes it ("" for none)."""
    period = periods.from_query(params)
    return periods.query_string(period) if period else ""


def register_sections() -> None:
    """Called from ValueConfig.ready()."""
    keep_in_address(period_in_address)
    register(
        Section(
            key="period",
            title=gettext_lazy("Tier and period"),
            order=10,
            place=TITLE,
            template="value/sections/period.html",
            context=period_context,
            related=("tier_state",),
        )
    )
    register(
        Section(
            key="tier",
            anchor="tier-card",
            title=gettext_lazy("Tier"),
            order=20,
            place=HEADER,
            template="value/sections/tier.html",
            context=tier_context,
            also=("period",),  # the tier's tag beside the account's name
            related=("tier_state", "tier_state__overridden_by"),
            endpoints=(
                Endpoint("override", "override/", override_tier, Action.STEER_VALUE),
                Endpoint("clear_override", "clear/", clear_override, Action.STEER_VALUE),
            ),
        )
    )
    register(
        Section(
            key="value",
            anchor="value-tab",
            title=pgettext_lazy("account page section", "Account value"),
            order=10,
            template="value/sections/value.html",
            context=value_context,
            related=("potential",),
            endpoints=(
                Endpoint("potential", "potential/", set_potential),
                Endpoint("chart", "chart.json", account_chart, Action.VIEW, method="GET"),
            ),
        )
    )
