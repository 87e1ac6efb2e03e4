"""The contact form of the account page's People section; the view hands its cleaned data
to kam.people.services (create_contact / update_contact).

The form carries what the user saw (kam.core.concurrency.SeenMixin), so an edit made on a
stale page is refused by the service. Its choices (the account's contacts for "reports
to", our people for the three lines) are handed in by the section, read once for the
whole section, so a form costs no query of its own."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.concurrency import SeenMixin

from .choices import (
    BuyingRole,
    Concern,
    ContactStatus,
    Level,
    Orientation,
    RelationshipLevel,
    Support,
)
from .services import CONTACT_FIELDS

LINES = ("business_line", "technical_line", "management_line")
EMPTY = [("", "—")]


def _optional(choices) -> list:
    return EMPTY + list(choices)


class ContactForm(SeenMixin, forms.Form):
    """Every field a user edits on a contact, plus why (kept in history with each change)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=_optional(Level.choices), required=False)
    reports_to = forms.TypedChoiceField(
        label=_("Reports to"), coerce=int, empty_value=None, required=False
    )
    on_chart = forms.BooleanField(label=_("On the org chart"), required=False, initial=True)
    roles = forms.MultipleChoiceField(
        label=_("Buying roles"),
        choices=BuyingRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    support = forms.ChoiceField(
        label=_("Support"), choices=_optional(Support.choices), required=False
    )
    influence = forms.TypedChoiceField(
        label=_("Influence"),
        choices=_optional((n, str(n)) for n in range(1, 6)),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 = low … 5 = high"),
    )
    orientation = forms.ChoiceField(
        label=_("Decision orientation"), choices=_optional(Orientation.choices), required=False
    )
    concerns = forms.MultipleChoiceField(
        label=_("Concerns"),
        choices=Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concerns_note = forms.CharField(
        label=_("What they care about"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    relationship = forms.TypedChoiceField(
        label=_("Relationship with us"),
        choices=_optional(RelationshipLevel.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    relationship_goal = forms.TypedChoiceField(
        label=_("Relationship we want"),
        choices=_optional(RelationshipLevel.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=ContactStatus.choices)
    left_on = forms.DateField(
        label=_("Left on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_node = forms.BooleanField(label=_("Node person (节点)"), required=False)
    business_line = forms.TypedChoiceField(
        label=_("Our business line"), coerce=int, empty_value=None, required=False
    )
    technical_line = forms.TypedChoiceField(
        label=_("Our technical line"), coerce=int, empty_value=None, required=False
    )
    management_line = forms.TypedChoiceField(
        label=_("Our management line"), coerce=int, empty_value=None, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Why (kept in history)"),
        max_length=500,
        required=False,
        help_text=_("E.g. why their support changed."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, contacts=(), people=(), contact=None, **kwargs):
        """`contacts`: the account's living contacts (the reports-to choices, this one
        left out); `people`: our users a line may go to; `contact`: the one edited."""
        super().__init__(*args, **kwargs)
        self.contacts = {c.pk: c for c in contacts if contact is None or c.pk != contact.pk}
        if (
            contact is not None
            and contact.reports_to_id
            and contact.reports_to_id not in self.contacts
        ):
            # a removed manager stays until restored (services.delete_contact): an edit of
            # something else must not drop the line without anyone choosing to
            self.contacts[contact.reports_to_id] = contact.reports_to
        self.people = {p.pk: p for p in people}
        self.fields["reports_to"].choices = _optional(
            (pk, str(c)) for pk, c in self.contacts.items()
        )
        for name in LINES:
            self.fields[name].choices = _optional(
                (pk, p.get_full_name() or p.username) for pk, p in self.people.items()
            )

    def clean(self):
        """Ids become the rows the service stores; a leaving date only for who left."""
        data = super().clean()
        if "reports_to" in data:
            data["reports_to"] = self.contacts.get(data["reports_to"])
        for name in LINES:
            if name in data:
                data[name] = self.people.get(data[name])
        if data.get("status") == ContactStatus.ACTIVE and data.get("left_on"):
            self.add_error("left_on", _("Only a person who left has a leaving date."))
        return data

    def fields_for_service(self) -> dict:
        """The cleaned contact fields, as create_contact / update_contact take them."""
        data = self.cleaned_data
        fields = {name: data[name] for name in CONTACT_FIELDS if name in data}
        for name in ("level", "support", "orientation"):
            fields[name] = fields.get(name) or ""
        return fields


def initial_of(contact) -> dict:
    """A contact's values as the form shows them."""
    initial = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    for name in ("reports_to", *LINES):
        initial[name] = getattr(contact, f"{name}_id")
    return initial
