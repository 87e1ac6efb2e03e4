"""The period picker, the what-if settings form, and the account page's value edits
(tier set by hand, the scorecard's potential inputs).

The what-if form shows what a director thinks in — weights as parts of 100, tier shares
and growth as percentages, thresholds in yuan — and turns them into a Policy; a setting
that cannot make sense (a negative weight, gold above diamond, shares over 100%) is an
error on the form, and nothing is previewed or saved.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core import versions
from kam.core.concurrency import EMPTY, SeenMixin

from . import periods
from .analytics.periods import (
    MONTH,
    QUARTER,
    RANGE,
    YEAR,
    Period,
    default_period,
    offered_periods,
)
from .analytics.policy import Policy, TierPolicy, ValuePolicy
from .choices import RATING_HELP, Tier
from .portfolio import data_span, months_with_data

WEIGHT_LABELS = {
    "revenue": _("Revenue"),
    "gross_profit": _("Gross profit"),
    "cash_collected": _("Cash collected"),
    "orders": _("Orders"),
    "net_contribution": _("Net contribution"),
    "growth": _("Growth on the previous period"),
    "active_months": _("Months with purchases"),
}


class PeriodForm(forms.Form):
    """The period picker every page shares: one list of the periods with data the user
    may see (year to date, the last 12 months, years, quarters, months), and from–to for
    any run of whole months. Whatever the address names that makes no sense falls back
    to the default period, and so does a period without any month with data the user
    may see; one the list lacks but that holds such months (a shared from–to, a past year
    to date) is added to the list, so the link shows what it says."""

    def __init__(
        self,
        params=None,
        *,
        offered: list[Period],
        default: Period,
        with_data: list | None = None,
    ):
        params = params or {}
        chosen = periods.from_query(params)
        if (
            chosen is not None
            and with_data is not None
            and not any(month in chosen for month in with_data)
        ):
            chosen = None  # nothing the user may see in it: the default instead
        self.default = default
        self.chosen = chosen or default
        choices = list(offered)
        if self.chosen.kind != RANGE and self.chosen not in choices:
            choices.insert(0, self.chosen)
        picked = periods.RANGE_TOKEN if self.chosen.kind == RANGE else None
        if picked is None and params.get("period") == periods.RANGE_TOKEN:
            picked = periods.RANGE_TOKEN  # from–to chosen, months not given yet
        data = {
            "period": picked or periods.token(self.chosen),
            "from": periods.month_text(self.chosen.start),
            "to": periods.month_text(self.chosen.end),
        }
        super().__init__(data)
        self.fields["period"] = forms.ChoiceField(label=_("Period"), choices=_grouped(choices))
        # the address's own names, `from` and `to` (not attribute names in Python)
        for name, text in (
            ("from", pgettext_lazy("period", "From")),
            ("to", pgettext_lazy("period", "To")),
        ):
            self.fields[name] = forms.CharField(
                label=text, required=False, widget=forms.TextInput(attrs={"type": "month"})
            )

    def period(self) -> Period:
        """The period asked for, else the default."""
        return self.chosen

    @property
    def query(self) -> str:
        """The period part of every address on the page (empty for the default)."""
        return periods.query_string(self.chosen, self.default)

    @property
    def label(self) -> str:
        return periods.label(self.chosen)


def _grouped(offered: list[Period]) -> list:
    """The picker's options in groups a person scans: current, years, quarters, months."""
    groups = {
        "current": (_("Current"), []),
        YEAR: (_("Years"), []),
        QUARTER: (_("Quarters"), []),
        MONTH: (_("Months"), []),
    }
    for period in offered:
        group = period.kind if period.kind in groups else "current"
        groups[group][1].append((periods.token(period), periods.label(period)))
    options = [(str(name), items) for name, items in groups.values() if items]
    return [*options, (periods.RANGE_TOKEN, _("From – to (months below)"))]


def period_form(params, user) -> PeriodForm:
    """The picker for `user`: periods with data they may see, the default first in mind."""
    stamps = versions.stamps()
    months = months_with_data(user, stamps)
    data = data_span(stamps).period
    today = periods.today()
    return PeriodForm(
        params or None,
        offered=offered_periods(months, data, today),
        default=default_period(months, data, today),
        with_data=months,
    )


def _percent_field(label, *, help_text="", minimum=0, maximum=100):
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=minimum,
        max_value=maximum,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


def _money_field(label, help_text):
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class WhatIfForm(SeenMixin, forms.Form):
    """Weights of the value score and the tier rules, plus an optional name to save under;
    it carries what the configuration it started from looked like (`seen`), so that saving
    over a configuration someone changed meanwhile is refused."""

    year = forms.TypedChoiceField(label=_("Period"), coerce=int, choices=())
    method = forms.ChoiceField(
        label=_("Tiers by"),
        choices=[
            ("percentile", _("Rank in the portfolio (percentile)")),
            ("absolute", _("Annual revenue (absolute amounts)")),
        ],
        widget=forms.RadioSelect,
    )
    diamond_share = _percent_field(
        _("Diamond: share of accounts at the top (%)"),
        help_text=_("By value score, among accounts that bought."),
    )
    gold_share = _percent_field(
        _("Gold: share of accounts after diamond (%)"),
        help_text=_("Counted after the diamond accounts."),
    )
    diamond_threshold = _money_field(
        _("Diamond: annual revenue from"), _("Used when tiers go by annual revenue.")
    )
    gold_threshold = _money_field(
        _("Gold: annual revenue from"), _("Used when tiers go by annual revenue.")
    )
    strategic_potential = forms.DecimalField(
        label=_("Strategic: potential score from"),
        help_text=_("0 to 1; the scorecard's potential score."),
        min_value=0,
        max_value=1,
        max_digits=5,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    strategic_growth = _percent_field(
        _("Strategic: or revenue growth from (%)"), minimum=-100, maximum=10000
    )
    strategic_revenue_quantile = _percent_field(
        _("… with revenue at least the percentile"),
        help_text=_("50 = the median of accounts that bought."),
    )

    name = forms.CharField(label=_("Save as"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    activate = forms.BooleanField(label=_("Make it the active configuration"), required=False)

    def __init__(self, *args, base: Policy, years: list[int], saving: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = base
        self.saving = saving
        self.fields["year"].choices = [(y, str(y)) for y in sorted(years, reverse=True)]
        # the defaults, then whatever the base weighs, then the optional extras
        self.weight_names = list(
            dict.fromkeys([*ValuePolicy().weights, *base.value.weights, *WEIGHT_LABELS])
        )
        for name in self.weight_names:
            self.fields[f"weight_{name}"] = forms.DecimalField(
                label=WEIGHT_LABELS.get(name, name),
                min_value=0,
                max_digits=9,
                decimal_places=4,
                required=False,
                widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal"}),
            )

    @classmethod
    def initial_from(cls, policy: Policy, year: int) -> dict:
        """The form's starting values for `policy`: weights as parts of 100, shares in %."""
        rules = policy.tiers
        weights = policy.value.weights
        total = sum(weights.values()) or 1
        return {
            "year": year,
            "method": rules.method,
            "diamond_share": _hundred(rules.diamond_share),
            "gold_share": _hundred(rules.gold_share),
            "diamond_threshold": rules.diamond_threshold,
            "gold_threshold": rules.gold_threshold,
            "strategic_potential": Decimal(str(rules.strategic_potential)),
            "strategic_growth": _hundred(rules.strategic_growth),
            "strategic_revenue_quantile": _hundred(rules.strategic_revenue_quantile),
        } | {f"weight_{name}": _hundred(w / total) for name, w in weights.items()}

    def weight_fields(self):
        return [self[f"weight_{name}"] for name in self.weight_names]

    def weights(self) -> dict[str, float]:
        """Weights scaled to add up to 1, as typed (30/30/20/10/10 or 3/3/2/1/1 alike)."""
        typed = {
            name: float(self.cleaned_data.get(f"weight_{name}") or 0) for name in self.weight_names
        }
        total = sum(typed.values())
        return {name: round(w / total, 6) for name, w in typed.items() if w > 0}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if sum(float(data.get(f"weight_{name}") or 0) for name in self.weight_names) <= 0:
            raise forms.ValidationError(
                _("Give at least one metric a weight above zero: the value score needs one.")
            )
        if data["method"] == "percentile":
            if data["diamond_share"] + data["gold_share"] > 100:
                raise forms.ValidationError(
                    _("The diamond and gold shares add up to more than 100 (percent of accounts).")
                )
        else:
            diamond, gold = data["diamond_threshold"], data["gold_threshold"]
            if gold <= 0:
                self.add_error("gold_threshold", _("The gold threshold must be above zero."))
            if diamond <= gold:
                self.add_error(
                    "diamond_threshold",
                    _("The diamond threshold must be above the gold threshold."),
                )
        if self.saving and not data.get("name", "").strip():
            self.add_error("name", _("Give the configuration a name to save it under."))
        return data

    def period(self) -> Period:
        return Period.year(self.cleaned_data["year"])

    def policy(self) -> Policy:
        """The base policy with these weights and tier rules; call after is_valid()."""
        data = self.cleaned_data
        tiers = TierPolicy(
            method=data["method"],
            diamond_share=_fraction(data["diamond_share"]),
            gold_share=_fraction(data["gold_share"]),
            diamond_threshold=data["diamond_threshold"],
            gold_threshold=data["gold_threshold"],
            strategic_potential=float(data["strategic_potential"]),
            strategic_growth=_fraction(data["strategic_growth"]),
            strategic_revenue_quantile=_fraction(data["strategic_revenue_quantile"]),
        )
        return dataclasses.replace(
            self.base, value=ValuePolicy(weights=self.weights()), tiers=tiers
        )


def _hundred(fraction: float) -> Decimal:
    """0.03 → 3, 0.3 → 30, 0.125 → 12.5: what a person types for a share."""
    value = (Decimal(str(fraction)) * 100).quantize(Decimal("0.01"))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _fraction(hundredths: Decimal) -> float:
    """3 → 0.03, exactly as a person would write the fraction (no 0.030000000000000002)."""
    return float(Decimal(hundredths) / 100)


# ---------------------------------------------------------------- the account page's edits

RATINGS = [("", "–"), *[(str(n), str(n)) for n in range(1, 6)]]


class TierOverrideForm(SeenMixin, forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Say why the tier is set by hand.")},
    )


class ClearOverrideForm(SeenMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


def _rating(label):
    return forms.TypedChoiceField(
        label=label,
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=RATING_HELP,
    )


class PotentialForm(SeenMixin, forms.Form):
    """The scorecard inputs (M1.3). Our share is entered in percent, stored as a fraction."""

    wallet = forms.DecimalField(
        label=_("Category spend a year"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("What the customer spends a year on what we sell, from us and others."),
    )
    share_percent = forms.DecimalField(
        label=_("Our share (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
    )
    growth_outlook = _rating(_("Growth outlook"))
    influence = _rating(_("Influence and demonstration effect"))
    referral_power = _rating(_("Referrals"))
    strategic_fit = _rating(_("Strategic fit"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def for_potential(cls, potential, *, seen_of=EMPTY, watched=None):
        """An unbound form showing what is stored (or empty when nothing is)."""
        if potential is None:
            return cls(seen_of=seen_of, watched=watched)
        share = potential.share
        return cls(
            seen_of=seen_of,
            watched=watched,
            initial={
                "wallet": potential.wallet,
                "share_percent": None if share is None else (share * 100).normalize(),
                "growth_outlook": potential.growth_outlook,
                "influence": potential.influence,
                "referral_power": potential.referral_power,
                "strategic_fit": potential.strategic_fit,
                "note": potential.note,
            },
        )

    def values(self) -> dict:
        """The cleaned inputs as set_potential takes them."""
        data = dict(self.cleaned_data)
        data.pop("seen", None)
        percent = data.pop("share_percent")
        data["share"] = (
            None if percent is None else (percent / Decimal(100)).quantize(Decimal("0.0001"))
        )
        return data
