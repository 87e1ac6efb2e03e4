"""The account 360° page (/customers/<id>/), its chart data and its edits.

Everything asks the access layer (kam.accounts.access): an account the user may not
see answers 404, for the page, the chart data and every edit; one the user sees but may
not change this way answers 403. Edits are small POST views
that call a service (each keeps history) and redirect back to the section they came from;
bad input shows the page again with the form's errors and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.accounts import access, services, stages
from kam.accounts.access import Action
from kam.accounts.choices import RelationshipStage, SalesStage, StageTrack, TeamRole
from kam.accounts.forms import (
    ClearOverrideForm,
    PotentialForm,
    StageChangeForm,
    StageCheckForm,
    TeamAddForm,
    TeamRemoveForm,
    TierOverrideForm,
)
from kam.accounts.models import Account, AccountTeamMember
from kam.core.concurrency import seen_token
from kam.core.currency import symbol as currency_symbol
from kam.core.currency import uses_wan
from kam.core.history import history_of
from kam.people.models import Contact
from kam.sales.choices import CostCategory
from kam.sales.models import AccountMonth
from kam.value import periods, portfolio
from kam.value import services as value_services
from kam.value.analytics.flags import FLAG_LABELS
from kam.value.analytics.periods import Period, add_months
from kam.value.analytics.pnl import waterfall
from kam.value.analytics.scorecard import NOT_ASSESSED, QUADRANT_LABELS, posture
from kam.value.charts import evidence_rows
from kam.value.choices import Tier
from kam.value.forms import WEIGHT_LABELS, period_form
from kam.web.formatting import exact_amount, short_amount

TREND_MONTHS = 36
CONTACTS_SHOWN = 5

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

HISTORY_FIELDS = ("tier", "computed_tier", "sales_stage", "relationship_stage")
STAGE_LABELS = dict(SalesStage.choices) | dict(RelationshipStage.choices)
TIER_LABELS = dict(Tier.choices)


# ---------------------------------------------------------------- reading


@login_required
def account_detail(request, pk):
    account = _visible_account(request.user, pk)
    return _render(request, account)


@login_required
def account_chart(request, pk):
    """The monthly revenue and gross profit trend as data, for anyone who may see the page."""
    account = _visible_account(request.user, pk)
    period = period_from(request.GET, request.user)
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


def _visible_account(user, pk, action: Action = Action.VIEW) -> Account:
    queryset = Account.objects.select_related(
        "region",
        "owner",
        "parent",
        "referred_by",
        "tier_state",
        "tier_state__overridden_by",
        "potential",
    )
    return access.get_account(user, pk, action, queryset)


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


# ---------------------------------------------------------------- the page


def _render(request, account: Account, bound: dict | None = None, status: int = 200):
    """The whole page; `bound` replaces the empty edit forms with ones that failed."""
    user = request.user
    picker = period_form(request.GET, user)
    period = picker.period()
    team = list(account.team.select_related("user").order_by("role", "user__username"))
    team_ids = {member.user_id for member in team}
    may_edit = access.may(user, Action.EDIT, account, team_user_ids=team_ids)
    may_team = access.may(user, Action.MANAGE_TEAM, account, team_user_ids=team_ids)
    for member in team:
        member.removable = may_team and not (
            member.role == TeamRole.KAM and member.user_id == account.owner_id
        )
    changes = _history(account)
    forms = _forms(account, may_edit=may_edit, may_team=may_team)
    forms.update(bound or {})
    months = trend(account, period)
    analysis = portfolio.company(period).analysis
    tracks = _tracks(account, tokens=may_edit)
    for track in tracks:
        track["form"] = forms.get(track["form_key"])
    context = {
        "account": account,
        "period": period,
        "picker": picker,
        "query": _query(request, picker),
        "tier": _tier(account, analysis),
        "tier_history": [c for c in changes if c.field in ("tier", "computed_tier")],
        "team": team,
        "related": _related(user, account),
        "value": _value(account, analysis),
        "trend_option": _trend_option(months),
        "tracks": tracks,
        "stage_history": [c for c in changes if c.field.endswith("_stage")],
        "contacts": _contacts(account),
        "may_edit": may_edit,
        "may_manage_team": may_team,
        "may_steer_tiers": access.may(user, Action.STEER_VALUE),
        "forms": forms,
    }
    return render(request, "accounts/detail.html", context, status=status)


def _query(request, picker=None) -> str:
    """The period part of the address, kept on links, form actions and redirects."""
    if picker is not None:
        query = picker.query
    else:  # after a change: keep the period the address named, no picker needed
        period = periods.from_query(request.GET)
        query = periods.query_string(period) if period else ""
    return f"?{query}" if query else ""


def _forms(account: Account, *, may_edit: bool, may_team: bool) -> dict:
    """The page's edit forms, each carrying what the user sees now (the `seen` token)."""
    forms = {}
    if may_edit:
        for track, field in (
            (StageTrack.SALES, "sales_stage"),
            (StageTrack.RELATIONSHIP, "relationship_stage"),
        ):
            forms[field] = StageChangeForm(
                track=track,
                initial={"stage": getattr(account, field)},
                seen_of=account,
                watched=[services.stage_watch(account, field)],
            )
        potential = getattr(account, "potential", None)
        forms["potential"] = PotentialForm.for_potential(
            potential,
            seen_of=account,
            watched=value_services.potential_watches(account, potential),
        )
    if may_team:
        forms["team_add"] = TeamAddForm()
    tier = [value_services.tier_watch(account, getattr(account, "tier_state", None))]
    forms["override"] = TierOverrideForm(
        initial={"tier": _stored_tier(account)}, seen_of=account, watched=tier
    )
    forms["clear_override"] = ClearOverrideForm(seen_of=account, watched=tier)
    return forms


def _stored_tier(account: Account) -> str:
    state = getattr(account, "tier_state", None)
    return state.tier if state is not None else ""


def _history(account: Account) -> list:
    """The tier and stage moves of the account, newest first, in one query."""
    changes = history_of(account).filter(field__in=HISTORY_FIELDS).select_related("changed_by")
    out = []
    for change in changes:
        labels = TIER_LABELS if "tier" in change.field else STAGE_LABELS
        change.old_label = labels.get(change.old_value, change.old_value)
        change.new_label = labels.get(change.new_value, change.new_value)
        out.append(change)
    return out


@dataclass
class Related:
    parent_visible: bool = False
    referrer_visible: bool = False
    subsidiaries: list = field(default_factory=list)
    referrals: list = field(default_factory=list)


def _related(user, account: Account) -> Related:
    """Group, subsidiaries, referrer and referrals the user may open; one query. The group
    and referrer are named even when the user may not open them: knowing a customer
    belongs to a group is part of knowing the customer."""
    linked = [pk for pk in (account.parent_id, account.referred_by_id) if pk]
    rows = (
        Account.objects.restrict(user)
        .filter(Q(parent=account) | Q(referred_by=account) | Q(pk__in=linked))
        .exclude(pk=account.pk)
        .only("id", "name", "code", "parent_id", "referred_by_id")
        .order_by("name", "id")
    )
    related = Related()
    for row in rows:
        related.parent_visible |= row.pk == account.parent_id
        related.referrer_visible |= row.pk == account.referred_by_id
        if row.parent_id == account.pk:
            related.subsidiaries.append(row)
        if row.referred_by_id == account.pk:
            related.referrals.append(row)
    return related


def _contacts(account: Account) -> dict:
    contacts = Contact.objects.filter(account=account, deleted_at__isnull=True)
    return {
        "count": contacts.count(),
        "names": list(contacts.order_by("name").values_list("name", "title")[:CONTACTS_SHOWN]),
    }


# ---------------------------------------------------------------- value


def _row(frame: pl.DataFrame, account_id: int) -> dict | None:
    rows = frame.filter(pl.col("account_id") == account_id).to_dicts()
    return rows[0] if rows else None


def _tier(account: Account, analysis) -> dict:
    """The tier people see (the override if a manager set one) and what the data says."""
    row = _row(analysis.tiers, account.pk) or {}
    state = getattr(account, "tier_state", None)
    computed = row.get("computed_tier") or row.get("tier") or (state and state.computed_tier)
    override = state.override_tier if state is not None else ""
    shown = override or computed or ""
    return {
        "key": shown,
        "label": TIER_LABELS.get(shown, ""),
        "computed": computed or "",
        "computed_label": TIER_LABELS.get(computed or "", ""),
        "overridden": bool(override),
        "state": state,
        "uncapped_label": TIER_LABELS.get(str(row.get("uncapped_tier") or ""), ""),
        "capped_by": [
            str(FLAG_LABELS.get(kind, kind)) for kind in row.get("capped_by_flags") or []
        ],
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
                "reason": _growth_reason(metrics, analysis) if key == "growth" else None,
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


def _growth_reason(metrics: dict | None, analysis) -> str | None:
    """Why the account's growth is not shown: the data does not cover both periods, or
    the account bought nothing in the previous one (a new account)."""
    if metrics is not None and metrics.get("growth") is not None:
        return None
    reason = periods.growth_unknown(analysis.comparison)
    if reason is None and metrics is not None and metrics.get("revenue"):
        return periods.new_account_reason()
    return reason


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


# ---------------------------------------------------------------- stages


def _tracks(account: Account, *, tokens: bool = False) -> list[dict]:
    """Both stage tracks as progress lines: each stage with its state, what it must prove
    (ticked per account, with the `seen` token of each item's form when `tokens`) and its
    milestones. Two queries whatever the number of stages."""
    checks = {
        (c.track, c.stage, c.item): c for c in account.stage_checks.select_related("checked_by")
    }
    milestones = services.stage_milestones()
    current = {
        StageTrack.SALES: account.sales_stage,
        StageTrack.RELATIONSHIP: account.relationship_stage,
    }
    out = []
    for track, track_stages in stages.TRACKS.items():
        keys = [s.key for s in track_stages]
        position = keys.index(current[track]) if current[track] in keys else 0
        rows = []
        for index, stage in enumerate(track_stages):
            items = []
            for item in stage.checklist:
                check = checks.get((track, stage.key, item.key))
                seen = ""
                if tokens:
                    watched = services.check_watches(account, track, stage.key, item.key, check)
                    seen = seen_token(account, watched)
                items.append({"key": item.key, "label": item.label, "check": check, "seen": seen})
            rows.append(
                {
                    "key": stage.key,
                    "number": index + 1,
                    "label": STAGE_LABELS[stage.key],
                    "state": "done"
                    if index < position
                    else "current"
                    if index == position
                    else "todo",
                    "proves": stage.proves,
                    "items": items,
                    "done": sum(1 for i in items if i["check"] and i["check"].done),
                    # a stage the account has passed with items still unticked
                    "unproven": [i["label"] for i in items if not (i["check"] and i["check"].done)]
                    if index < position
                    else [],
                    "milestones": milestones[(track, stage.key)],
                }
            )
        out.append(
            {
                "key": track,
                "dom_id": f"{track}-stages",
                "unproven": [
                    {"label": row["label"], "items": row["unproven"]}
                    for row in rows
                    if row["unproven"]
                ],
                "label": StageTrack(track).label,
                "current": STAGE_LABELS[current[track]],
                "stages": rows,
                "form_key": f"{track}_stage",
            }
        )
    return out


# ---------------------------------------------------------------- edits


def _account_for(request, pk, action: Action) -> Account:
    """404 for those who may not see the account, 403 for those who see it but may not
    make this edit."""
    return _visible_account(request.user, pk, action)


def _back(request, account: Account, section: str):
    url = reverse("accounts:detail", args=[account.pk])
    return redirect(f"{url}{_query(request)}#{section}")


def _failed(request, account: Account, key: str, form, error: ValidationError | None = None):
    if error is not None:
        form.add_error(None, error)
    return _render(request, account, {key: form}, status=400)


def _submit(request, account: Account, form, key: str, save, back) -> HttpResponse:
    """Every edit of the page: a bound form, checked, handed to a service function; a bad
    form or a refusal from the service shows the page again with the reason (400), and
    success returns to the section (`back`, or back(cleaned_data))."""
    if not form.is_valid():
        return _failed(request, account, key, form)
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        return _failed(request, account, key, form, error)
    section = back(form.cleaned_data) if callable(back) else back
    return _back(request, account, section)


@login_required
@require_POST
def change_stage(request, pk, track):
    account = _account_for(request, pk, Action.EDIT)
    if track not in StageTrack.values:
        raise Http404
    change = (
        services.change_sales_stage
        if track == StageTrack.SALES
        else services.change_relationship_stage
    )
    return _submit(
        request,
        account,
        StageChangeForm(request.POST, track=track, seen_of=account),
        f"{track}_stage",
        lambda data: change(
            account, data["stage"], by=request.user, reason=data["reason"], seen=data["seen"]
        ),
        "stages-tab",
    )


@login_required
@require_POST
def check_item(request, pk):
    account = _account_for(request, pk, Action.EDIT)

    def save(data):
        services.check_stage_item(
            account,
            data["track"],
            data["stage"],
            data["item"],
            done=data["done"],
            note=data["note"],
            by=request.user,
            seen=data["seen"],
        )

    return _submit(
        request,
        account,
        StageCheckForm(request.POST, seen_of=account),
        "check",
        save,
        lambda data: f"check-{data['track']}-{data['stage']}",
    )


@login_required
@require_POST
def set_potential(request, pk):
    account = _account_for(request, pk, Action.EDIT)
    form = PotentialForm(request.POST, seen_of=account)
    return _submit(
        request,
        account,
        form,
        "potential",
        lambda data: value_services.set_potential(
            account, by=request.user, seen=data["seen"], **form.values()
        ),
        "scorecard",
    )


@login_required
@require_POST
def override_tier(request, pk):
    account = _account_for(request, pk, Action.STEER_VALUE)
    return _submit(
        request,
        account,
        TierOverrideForm(request.POST, seen_of=account),
        "override",
        lambda data: value_services.override_tier(
            account, data["tier"], reason=data["reason"], by=request.user, seen=data["seen"]
        ),
        "account-header",
    )


@login_required
@require_POST
def clear_override(request, pk):
    account = _account_for(request, pk, Action.STEER_VALUE)
    return _submit(
        request,
        account,
        ClearOverrideForm(request.POST, seen_of=account),
        "clear_override",
        lambda data: value_services.clear_override(
            account, reason=data["reason"], by=request.user, seen=data["seen"]
        ),
        "account-header",
    )


@login_required
@require_POST
def team_add(request, pk):
    account = _account_for(request, pk, Action.MANAGE_TEAM)
    return _submit(
        request,
        account,
        TeamAddForm(request.POST),
        "team_add",
        lambda data: services.add_to_team(
            account, data["user"], data["role"], department=data["department"], by=request.user
        ),
        "team",
    )


@login_required
@require_POST
def team_remove(request, pk):
    account = _account_for(request, pk, Action.MANAGE_TEAM)
    form = TeamRemoveForm(request.POST)
    member = None
    if form.is_valid():
        member = (
            AccountTeamMember.objects.filter(account=account, pk=form.cleaned_data["member"])
            .select_related("user")
            .first()
        )
    if member is None:
        return _render(
            request, account, {"team_error": _("That person is not on this account's team.")}, 400
        )
    try:
        services.remove_team_member(account, member.user, member.role, by=request.user)
    except ValidationError as error:
        return _render(request, account, {"team_error": " ".join(error.messages)}, status=400)
    return _back(request, account, "team")
