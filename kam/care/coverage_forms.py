"""The upkeep settings' form (kam.care.policy): one field per setting, the defaults named
in each help text, and the stale-edit token of what the user saw."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core.concurrency import SeenMixin
from kam.value.choices import Tier

from . import policy as care_policy

TIER_LABELS = dict(Tier.choices)


def _hint(value) -> str:
    return gettext("Default: %(value)s.") % {"value": value}


default_hint = lazy(_hint, str)
"""The default named in a help text, in the reader's language: made when the form is shown,
not when this module loads (a `%` on a lazy string would fix the server's language)."""


def _days(label, default, *, required=True):
    shown = default if default is not None else _("none")
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=3650,
        required=required,
        help_text=default_hint(shown),
    )


class CarePolicyForm(SeenMixin, forms.Form):
    """Every setting, shown with its current value; saved as overrides of the defaults."""

    default_cadence_days = _days(
        _("Meeting cadence when the tier is unknown (days)"),
        care_policy.DEFAULTS["default_cadence_days"],
    )
    key_tiers = forms.MultipleChoiceField(
        label=_("Key tiers (dashboard list; a sponsor expected)"),
        choices=Tier.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    unsupportive_share = forms.FloatField(
        label=_("Most key players not supportive: more than this share"),
        min_value=0,
        max_value=0.99,
        help_text=default_hint(care_policy.DEFAULTS["unsupportive_share"]),
    )
    key_influence = forms.IntegerField(
        label=_("Key player from influence"),
        min_value=1,
        max_value=5,
        help_text=default_hint(care_policy.DEFAULTS["key_influence"]),
    )
    single_threaded_at = forms.IntegerField(
        label=_("Single-threaded at this many active contacts or fewer"),
        min_value=1,
        max_value=5,
        help_text=default_hint(care_policy.DEFAULTS["single_threaded_at"]),
    )
    left_recent_days = _days(
        _("A key contact who left warns for (days)"), care_policy.DEFAULTS["left_recent_days"]
    )
    reason = forms.CharField(label=_("Why the change"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for tier in care_policy.TIERS:
            label = TIER_LABELS[tier]
            self.fields[f"cadence_{tier}"] = _days(
                _("%(tier)s: meet each buying influence within (days)") % {"tier": label},
                care_policy.DEFAULTS["cadence_days"][tier],
            )
            self.fields[f"executive_{tier}"] = _days(
                _("%(tier)s: executive visit every (days; empty: none)") % {"tier": label},
                care_policy.DEFAULTS["executive_cadence_days"][tier],
                required=False,
            )

    @staticmethod
    def initial_from(policy: care_policy.Policy) -> dict:
        initial = {
            "default_cadence_days": policy.default_cadence_days,
            "key_tiers": list(policy.key_tiers),
            "unsupportive_share": policy.unsupportive_share,
            "key_influence": policy.key_influence,
            "single_threaded_at": policy.single_threaded_at,
            "left_recent_days": policy.left_recent_days,
        }
        for tier in care_policy.TIERS:
            initial[f"cadence_{tier}"] = policy.cadence_days.get(tier)
            initial[f"executive_{tier}"] = policy.executive_cadence_days.get(tier)
        return initial

    def values(self) -> dict:
        """The complete settings from the cleaned form (for policy.overrides_from)."""
        data = self.cleaned_data
        return {
            "cadence_days": {t: data[f"cadence_{t}"] for t in care_policy.TIERS},
            "executive_cadence_days": {t: data[f"executive_{t}"] for t in care_policy.TIERS},
            "default_cadence_days": data["default_cadence_days"],
            "key_tiers": list(data["key_tiers"]),
            "unsupportive_share": data["unsupportive_share"],
            "key_influence": data["key_influence"],
            "single_threaded_at": data["single_threaded_at"],
            "left_recent_days": data["left_recent_days"],
        }
