"""The customer's people and the network around them (METHODOLOGY M5, M6, M8.1): contacts
with their place in the decision chain, VIP relationship cards, third parties who can open
doors, and the recorded connections between any two people."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.accounts.access import AccountOwnedQuerySet
from kam.core.models import SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel

from .choices import (
    BuyingRole,
    Calendar,
    Concern,
    ConnectionKind,
    ContactStatus,
    Level,
    Orientation,
    RelationshipLevel,
    Support,
    ThirdPartyKind,
)

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


def _our_person(label):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


def _choices_list(value, choices, field: str) -> None:
    """A JSON list field holds distinct values of `choices` only."""
    if not isinstance(value, list) or any(v not in choices.values for v in value):
        raise ValidationError({field: _("Choose from the listed values.")})
    if len(set(value)) != len(value):
        raise ValidationError({field: _("A value is listed twice.")})


class ContactQuerySet(AccountOwnedQuerySet, SoftDeleteQuerySet):
    """Contacts follow their account (`restrict`) and are deleted softly (`alive`)."""


class Contact(SoftDeleteModel):
    """A person at the customer, with their place in the decision chain (M5)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    on_chart = models.BooleanField(
        _("on the org chart"),
        default=True,
        help_text=_("Off: kept as a contact of the account, not drawn on its org chart."),
    )
    roles = models.JSONField(
        _("buying roles"),
        default=list,
        blank=True,
        help_text=_(
            "Decision maker, technical gatekeeper, user, coach (M5.2); one may hold several."
        ),
    )
    support = models.CharField(
        _("support"),
        max_length=16,
        choices=Support.choices,
        blank=True,
        help_text=_("Empty: not known yet."),
    )
    influence = models.PositiveSmallIntegerField(
        _("influence"),
        null=True,
        blank=True,
        validators=ONE_TO_FIVE,
        help_text=_("1 = low … 5 = high"),
    )
    orientation = models.CharField(
        _("decision orientation"), max_length=16, choices=Orientation.choices, blank=True
    )
    concerns = models.JSONField(_("concerns"), default=list, blank=True)
    concerns_note = models.TextField(_("what they care about"), blank=True)
    relationship = models.PositiveSmallIntegerField(
        _("relationship with us"), choices=RelationshipLevel.choices, null=True, blank=True
    )
    relationship_goal = models.PositiveSmallIntegerField(
        _("relationship we want"), choices=RelationshipLevel.choices, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ContactStatus.choices, default=ContactStatus.ACTIVE
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    is_node = models.BooleanField(
        _("node person (节点)"),
        default=False,
        help_text=_("A person whose word moves others in the chain (M5.4)."),
    )
    business_line = _our_person(_("our business line"))
    technical_line = _our_person(_("our technical line"))
    management_line = _our_person(_("our management line"))
    last_met_on = models.DateField(
        _("last met"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The latest logged visit with this person; kept by the visits."),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["account", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name

    def clean(self) -> None:
        _choices_list(self.roles, BuyingRole, "roles")
        _choices_list(self.concerns, Concern, "concerns")
        if self.reports_to_id is not None:
            self._check_manager()
        if self.status == ContactStatus.ACTIVE and self.left_on is not None:
            raise ValidationError({"left_on": _("Only a person who left has a leaving date.")})

    def _check_manager(self) -> None:
        """The manager works at the same account, and the chain never loops back."""
        manager = Contact.objects.filter(pk=self.reports_to_id).first()
        if manager is None or manager.account_id != self.account_id:
            raise ValidationError(
                {"reports_to": _("The manager must be a contact of the same account.")}
            )
        seen = {self.pk}
        while manager is not None:
            if manager.pk in seen:
                raise ValidationError({"reports_to": _("This would make a reporting loop.")})
            seen.add(manager.pk)
            manager = manager.reports_to


class CardQuerySet(AccountOwnedQuerySet):
    """Cards follow their contact's account; callers ask for Action.SEE_PERSONAL."""

    account_path = "contact__account"


class RelationshipCard(TimeStampedModel):
    """The VIP card (M8.1): personal data that helps us care for a key person. Seen only by
    those the access layer lets *see personal data*; every view and change is logged; an
    erasure empties it for good and leaves only the record that it happened (PIPL)."""

    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="card"
    )
    birthday_calendar = models.CharField(
        _("birthday calendar"), max_length=8, choices=Calendar.choices, blank=True
    )
    birthday_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, help_text=_("Optional; in the calendar above.")
    )
    birthday_month = models.PositiveSmallIntegerField(
        _("birthday month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    birthday_day = models.PositiveSmallIntegerField(
        _("birthday day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    birthday_leap_month = models.BooleanField(
        _("leap month (闰月)"), default=False, help_text=_("Lunar birthdays only.")
    )
    interests = models.TextField(_("interests and hobbies"), blank=True)
    family = models.TextField(
        _("family situation"),
        blank=True,
        help_text=_("Where help would be welcome: children's schooling, elderly parents' care …"),
    )
    calls_seller_by_name = models.BooleanField(_("calls our seller by name"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    erased_by = _our_person(_("erased by"))

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["contact"]
        verbose_name = _("relationship card")
        verbose_name_plural = _("relationship cards")

    def __str__(self) -> str:
        return str(self.contact)


class CardEvent(models.Model):
    """One look at or change of a relationship card: who, when, what (field names, never
    values). Kept after an erasure, so the erasure itself is on record."""

    class Kind(models.TextChoices):
        VIEWED = "viewed", _("viewed")
        CHANGED = "changed", _("changed")
        ERASED = "erased", _("erased")

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="card_events"
    )
    kind = models.CharField(_("what"), max_length=8, choices=Kind.choices)
    fields = models.CharField(_("fields"), max_length=300, blank=True)
    by = _our_person(_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("relationship card event")
        verbose_name_plural = _("relationship card events")

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_kind_display()}"


class ThirdParty(SoftDeleteModel):
    """Somebody outside both companies who can open a door (M6.2): a good friend, a
    regulator, an industry association, a classmate …"""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ThirdPartyKind.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _our_person(_("recorded by"))

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")

    def __str__(self) -> str:
        return f"{self.name} · {self.organisation}" if self.organisation else self.name


ENDS = ("user", "contact", "third")


def _exactly_one(side: str) -> Q:
    """Exactly one of the side's three person columns is set."""
    u, c, t = (Q(**{f"{side}_{n}__isnull": False}) for n in ENDS)
    nu, nc, nt = (Q(**{f"{side}_{n}__isnull": True}) for n in ENDS)
    return (u & nc & nt) | (nu & c & nt) | (nu & nc & t)


class Connection(SoftDeleteModel):
    """A recorded tie between two people, each one of: our user, a customer contact, a
    third party. Directed kinds read from `a` to `b` (see choices.INVERSE). Only recorded
    connections make paths: a shared school or employer alone does not."""

    a_user = _our_person(_("from (ours)"))
    a_contact = models.ForeignKey(
        Contact,
        verbose_name=_("from (contact)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    a_third = models.ForeignKey(
        ThirdParty,
        verbose_name=_("from (third party)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    b_user = _our_person(_("to (ours)"))
    b_contact = models.ForeignKey(
        Contact,
        verbose_name=_("to (contact)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    b_third = models.ForeignKey(
        ThirdParty,
        verbose_name=_("to (third party)"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConnectionKind.choices)
    strength = models.PositiveSmallIntegerField(
        _("strength"), default=3, validators=ONE_TO_FIVE, help_text=_("1 = weak … 5 = very strong")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = _our_person(_("recorded by"))

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-strength", "id"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one("a"), name="connection_one_start"),
            models.CheckConstraint(condition=_exactly_one("b"), name="connection_one_end"),
        ]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")

    def __str__(self) -> str:
        return f"{self.end('a')} · {self.get_kind_display()} · {self.end('b')}"

    def end(self, side: str):
        """The person at side "a" or "b": a user, a contact or a third party."""
        for name in ENDS:
            person = getattr(self, f"{side}_{name}")
            if person is not None:
                return person
        return None

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end lies before the start.")})
        if self._key("a") == self._key("b"):
            raise ValidationError(_("A person cannot be connected to themselves."))

    def _key(self, side: str) -> tuple[str, int | None]:
        for name in ENDS:
            pk = getattr(self, f"{side}_{name}_id")
            if pk is not None:
                return name, pk
        return "", None
