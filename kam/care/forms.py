"""The visit form of the account page. Its choices are built once per page from the account
team, the other active users and the account's living contacts (plain choices, not
querysets, so showing the form costs no query of its own); the view turns the chosen ids
into people and hands them to kam.care.services, which checks them again."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.concurrency import SeenMixin

from .choices import VisitKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisitForm(SeenMixin, forms.Form):
    """Log a visit or change one; `our_choices` and `their_choices` are (id, label) pairs."""

    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    our_people = forms.TypedMultipleChoiceField(
        label=_("Our participants"), coerce=int, required=False
    )
    their_people = forms.TypedMultipleChoiceField(
        label=_("Their participants"), coerce=int, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_on = forms.DateField(
        label=_("Next step by"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("With a date, the next step becomes a task for whoever logged the visit."),
    )

    def __init__(self, *args, our_choices=(), their_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["our_people"].choices = list(our_choices)
        self.fields["their_people"].choices = list(their_choices)

    def clean_date(self):
        """A visit is logged after it happened; the service says so too, this says it at
        the field."""
        day = self.cleaned_data["date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("A visit is logged once it happened; plan a coming one as a task."),
                code="future",
            )
        return day

    def clean(self):
        data = super().clean()
        if data.get("next_step_on") and not (data.get("next_step") or "").strip():
            self.add_error("next_step", _("Say what the next step is, or leave its date empty."))
        return data
