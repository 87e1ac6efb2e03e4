"""Forms of the account page's edits; each view passes the cleaned data to a service.

Every edit form carries what the user saw (kam.core.concurrency.SeenMixin: the hidden
`seen` token), so that the service refuses an edit made on a stale page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.concurrency import SeenMixin
from kam.users.models import User

from .choices import RelationshipStage, SalesStage, StageTrack, TeamRole


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
