"""The org chart's own small forms: add a person, change one person's place and attitude,
take them off the chart or off the account, draw an influence or conflict line.

The choices of people come from the chart's own list (one query for the section), never
from another account: a posted id not among them is refused as an invalid choice. Edits of
an existing person carry what the user saw (kam.core.concurrency.SeenMixin) so a stale
edit is refused, as the contacts' pages and API do."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.concurrency import SeenMixin

from .choices import BuyingRole, ConnectionKind, Level, Support

NO_MANAGER = ""
LINE_CHOICES = [
    (ConnectionKind.INFLUENCES.value, _("influences")),
    (ConnectionKind.CONFLICT.value, _("is in conflict with")),
]


def people_choices(people, *, blank=None, exclude: int | None = None) -> list[tuple[str, str]]:
    """(id, name) for a select; `blank` is the empty choice's text, if any."""
    out = [(NO_MANAGER, blank)] if blank is not None else []
    out += [(str(p.pk), _shown(p)) for p in people if p.pk != exclude]
    return out


def _shown(person) -> str:
    return f"{person.name} ({person.title})" if person.title else person.name


class _Placed(forms.Form):
    """Fields shared by adding a person and editing one: level, manager, roles, support."""

    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *Level.choices], required=False)
    reports_to = forms.ChoiceField(label=_("Manager"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Buying roles"),
        choices=BuyingRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    support = forms.ChoiceField(
        label=_("Attitude"), choices=[("", _("Not known yet")), *Support.choices], required=False
    )

    def __init__(self, *args, people=(), me: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["reports_to"].choices = people_choices(
            people, blank=_("Nobody on the chart"), exclude=me
        )

    def manager(self):
        """The chosen manager as a contact, or None."""
        value = self.cleaned_data.get("reports_to")
        return self.people.get(int(value)) if value else None

    def values(self) -> dict:
        """The fields as update_contact / create_contact take them."""
        data = self.cleaned_data
        chosen = set(data["roles"])
        return {
            "level": data["level"],
            "reports_to": self.manager(),
            "roles": [r for r in BuyingRole.values if r in chosen],
            "support": data["support"],
        }


class AddPersonForm(_Placed):
    """A new person on the chart of this account."""

    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)

    field_order = ["name", "title", "level", "reports_to", "roles", "support"]

    def values(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "title": self.cleaned_data["title"],
            **super().values(),
        }


class EditPersonForm(SeenMixin, _Placed):
    """One person's manager, level, buying roles and attitude, changed from the chart."""

    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    field_order = ["title", "level", "reports_to", "roles", "support"]

    def values(self) -> dict:
        return {"title": self.cleaned_data["title"], **super().values()}


class PersonActionForm(SeenMixin, forms.Form):
    """A button on one person (take off the chart, put back, remove from the account): only
    the token of what the user saw."""


class LineForm(forms.Form):
    """An influence or conflict line between two people of the chart."""

    a = forms.ChoiceField(label=_("Who"))
    kind = forms.ChoiceField(label=_("Line"), choices=LINE_CHOICES)
    b = forms.ChoiceField(label=_("Whom"))
    strength = forms.TypedChoiceField(
        label=_("Strength"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.pk: p for p in people}
        self.fields["a"].choices = people_choices(people)
        self.fields["b"].choices = people_choices(people)

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            raise forms.ValidationError(_("A line joins two different people."))
        return data

    def ends(self):
        return self.people[int(self.cleaned_data["a"])], self.people[int(self.cleaned_data["b"])]
