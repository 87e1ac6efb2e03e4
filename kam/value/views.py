"""The portfolio dashboard and the what-if page.

Both read the cached value analysis (kam.value.portfolio), already narrowed to what the
user may see, and hand it to `charts` for the figures: a page costs a handful of small
queries whatever the size of the portfolio, and never touches order lines.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kam.accounts import access
from kam.accounts.access import Action

from . import charts, panels, periods, portfolio, services
from .config import PolicyError, policy_from_dict
from .forms import WEIGHT_LABELS, WhatIfForm, period_form
from .models import TierConfig
from .portfolio import analysis_for


def owner_names(rows: list[dict]) -> dict[int, str]:
    """Display names of the owners in `rows`, in one query."""
    ids = {row["owner_id"] for row in rows if row.get("owner_id")}
    if not ids:
        return {}
    return {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=ids)}


# ---------------------------------------------------------------- dashboard


@login_required
def dashboard(request):
    picker = period_form(request.GET, request.user)
    period = picker.period()
    analysis = analysis_for(request.user, period)
    comparison = analysis.comparison
    before = period.previous()
    # tier movements compare only with a period the data covers, as growth does
    previous = analysis_for(request.user, before) if comparison.comparable else None
    figures = portfolio.derived(
        analysis,
        f"dashboard {get_language()}",
        lambda: _figures(analysis, previous, period),
        also=previous,
    )
    rows = figures["false_kas"].accounts + figures["top_net"] + figures["move_rows"]
    owners = owner_names(rows)
    for row in rows:  # the same names for every viewer, so the shared rows may hold them
        row["owner"] = owners.get(row["owner_id"], "")
    context = {
        **figures,
        "picker": picker,
        "period": period,
        "period_label": picker.label,
        "previous_period": before,
        "previous_label": periods.label(before),
        "growth_unknown": periods.growth_unknown(comparison),
        "whole_portfolio": access.sees_every_account(request.user),
        "panels": panels.rendered(request),
    }
    return render(request, "value/dashboard.html", context)


def _figures(analysis, previous, period) -> dict:
    """Every figure of the dashboard, built once per cached analysis (and language): at
    100,000 accounts this is most of a page's time."""
    tiers = charts.tier_summary(analysis)
    false_kas = charts.false_key_accounts(analysis)
    top = charts.top_net(analysis)
    moves = charts.tier_moves(analysis, previous) if previous is not None else None
    move_rows = [row for group in (moves.examples.values() if moves else []) for row in group]
    headline = charts.headline(analysis)
    return {
        "accounts_seen": analysis.accounts.height,
        "headline": headline,
        "score_gaps": [
            {"label": str(WEIGHT_LABELS.get(name, name)), "accounts": accounts}
            for name, accounts in headline.score_gaps.items()
        ],
        "links": {
            "all": charts.list_link(period, sort="-revenue"),
            "buyers": charts.list_link(period, bought="yes", sort="-revenue"),
            "net": charts.list_link(period, sort="-net_contribution"),
            "profit": charts.list_link(period, sort="-gross_profit"),
        },
        "tiers": tiers,
        "pyramid": charts.pyramid_option(tiers),
        "pareto": charts.pareto_option(analysis),
        "revenue_top_share": analysis.revenue_pareto.top_value_share,
        "profit_top_share": analysis.profit_pareto.top_value_share,
        "top_share": analysis.revenue_pareto.top_share,
        "gauge": charts.gauge_option(analysis),
        "trend": charts.trend_option(analysis),
        "moves": moves,
        "move_rows": move_rows,
        "false_kas": false_kas,
        "top_net": top,
    }


# ---------------------------------------------------------------- what-if


def _starting_config(request, configs: list[TierConfig]) -> TierConfig | None:
    """The configuration the form starts from: the one asked for, else the active one."""
    wanted = request.POST.get("config") or request.GET.get("config")
    for config in configs:
        if wanted and str(config.pk) == wanted:
            return config
    return next((config for config in configs if config.is_active), None)


@access.requires(Action.STEER_VALUE)
def whatif(request):
    """Change weights and thresholds, see who would move between tiers, then save."""
    years, default_year = _whatif_years(request.user)
    configs = list(TierConfig.objects.all())
    start = _starting_config(request, configs)
    try:
        base = policy_from_dict(start.policy if start else None)
    except PolicyError:
        start, base = None, policy_from_dict(None)
    saving = request.POST.get("action") == "save"
    summary = None
    if request.method == "POST":
        form = WhatIfForm(request.POST, base=base, years=years, saving=saving, seen_of=start)
        if form.is_valid():
            if saving:
                saved = _save(request, form)
                if saved is not None:
                    return saved
            else:
                analysis = analysis_for(request.user, form.period())
                result = portfolio.preview(analysis, form.policy())
                summary = charts.whatif_summary(
                    result,
                    analysis,
                    form.weights(),
                    {name: str(label) for name, label in WEIGHT_LABELS.items()},
                )
    else:
        initial = WhatIfForm.initial_from(base, default_year)
        form = WhatIfForm(
            initial=initial,
            base=base,
            years=years,
            seen_of=start,
            watched=services.config_watches(start),
        )
    context = {
        "form": form,
        "configs": configs,
        "start": start,
        "summary": summary,
        "errors": bool(form.errors),
    }
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "value/whatif_body.html" if partial else "value/whatif.html", context)


def _whatif_years(user) -> tuple[list[int], int]:
    """The years with sales the user may see, and the last full one (what-if weighs
    tiers over whole years): the same months the period pickers offer."""
    months = portfolio.months_with_data(user)
    today = periods.today()
    years = sorted({month.year for month in months}) or [today.year]
    full = [year for year in years if year < today.year] or years
    return years, full[-1]


def _save(request, form: WhatIfForm):
    """Save the settings; None, with the reason on the form, when the service refuses (a
    configuration changed since the page was opened, or one the user did not start from)."""
    data = form.cleaned_data
    try:
        config = services.save_tier_config(
            data["name"],
            form.policy(),
            by=request.user,
            activate=data["activate"],
            note=data["note"],
            seen=data["seen"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None
    if config.is_active:
        text = _("Saved “%(name)s”; it is now the active configuration.")
    else:
        text = _("Saved “%(name)s”.")
    messages.success(request, text % {"name": config.name})
    target = f"{reverse('value:whatif')}?config={config.pk}"
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)
