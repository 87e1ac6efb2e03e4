"""Forms of the account page's edits; each view passes the cleaned data to a service.

Every edit form carries what the user saw (kam.core.concurrency.SeenMixin: the hidden
`seen` token), so that the service refuses an edit made on a stale page."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.concurrency import EMPTY, SeenMixin
from kam.users.models import User
from kam.value.choices import RATING_HELP, Tier

from .choices import RelationshipStage, SalesStage, StageTrack, TeamRole

RATINGS = [("", "–"), *[(str(n), str(n)) for n in range(1, 6)]]


class StageChangeForm(SeenMixin, forms.Form):
    stage = forms.ChoiceField(label=_("New stage"))
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        required=False,
        help_text=_(
            "Needed when the move skips a stage or leaves a stage's proofs unticked; "
            "history keeps it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, track: str, **kwargs):
        kwargs.setdefault("prefix", track)
        super().__init__(*args, **kwargs)
        choices = SalesStage.choices if track == StageTrack.SALES else RelationshipStage.choices
        self.fields["stage"].choices = choices


class StageCheckForm(SeenMixin, forms.Form):
    """One checklist item; the item itself is checked against stages.py by the service."""

    track = forms.ChoiceField(choices=StageTrack.choices, widget=forms.HiddenInput)
    stage = forms.CharField(max_length=16, widget=forms.HiddenInput)
    item = forms.CharField(max_length=32, widget=forms.HiddenInput)
    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(label=_("How it was proven"), max_length=1000, required=False)


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


class TeamAddForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.filter(is_active=True).order_by("username")
    )
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    department = forms.CharField(
        label=_("Department"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to use the person's own department."),
    )


class TeamRemoveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)


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
