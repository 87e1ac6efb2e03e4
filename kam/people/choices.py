"""The decision chain's vocabulary (METHODOLOGY M5, M6, M8): levels, buying roles, attitudes,
concerns, relationship levels, third parties and the kinds of connection between people."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Level(models.TextChoices):
    """Administrative level in the customer's organisation (M5.1)."""

    SENIOR = "senior", _("Senior management (高层)")
    MIDDLE = "middle", _("Middle management (中层)")
    JUNIOR = "junior", _("Staff (基层)")


class BuyingRole(models.TextChoices):
    """The four buying influences (M5.2). A coach may hold another role too."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    GATEKEEPER = "gatekeeper", _("Technical gatekeeper")
    USER = "user", _("User")
    COACH = "coach", _("Coach")


class Support(models.TextChoices):
    """Where the person stands towards us, best first (Altify's five steps)."""

    MENTOR = "mentor", _("Mentor")
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    NON_SUPPORTER = "non_supporter", _("Non-supporter")
    ENEMY = "enemy", _("Enemy")


SUPPORTIVE = frozenset({Support.MENTOR, Support.SUPPORTER})
HOSTILE = frozenset({Support.NON_SUPPORTER, Support.ENEMY})


class Orientation(models.TextChoices):
    """What the person weighs first in a decision."""

    FINANCIAL = "financial", _("Financial")
    TECHNICAL = "technical", pgettext_lazy("decision orientation", "Technical")
    RELATIONSHIP = "relationship", _("Relationship")
    BUSINESS = "business", _("Business")


class Concern(models.TextChoices):
    """What each buying influence cares about (M5.3)."""

    PRICE = "price", _("Price")
    TECHNOLOGY = "technology", _("Technical advancement and compatibility")
    EASE_OF_USE = "ease_of_use", _("Ease of use")
    STABILITY = "stability", _("Stability and after-sales service")
    OTHER = "other", _("Other")


class RelationshipLevel(models.IntegerChoices):
    """How well our side knows the person, from strangers to trusted allies."""

    NONE = 1, _("1 · Not acquainted")
    ACQUAINTED = 2, _("2 · Acquainted")
    WORKING = 3, _("3 · Working relationship")
    TRUSTED = 4, _("4 · Trusted")
    ALLY = 5, _("5 · Close ally")


class ContactStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("contact status", "Active")
    LEFT = "left", _("Left the company")


class Line(models.TextChoices):
    """The three counterpart lines: which of our people holds which line with a contact."""

    BUSINESS = "business", _("Business line")
    TECHNICAL = "technical", _("Technical line")
    MANAGEMENT = "management", _("Management line")


class Calendar(models.TextChoices):
    SOLAR = "solar", _("Solar (公历)")
    LUNAR = "lunar", _("Lunar (农历)")


class ThirdPartyKind(models.TextChoices):
    """Who a third party is to us (M6.2): people who can open a door to a decision maker."""

    FRIEND = "friend", _("Good friend")
    GOVERNMENT = "government", _("Government or regulator")
    ASSOCIATION = "association", _("Industry association")
    CLASSMATE = "classmate", _("Classmate / EMBA")
    COMRADE = "comrade", _("Comrade (战友)")
    RELATIVE = "relative", _("Relative")
    FORMER_COLLEAGUE = "former_colleague", _("Former colleague")
    OTHER = "other", _("Other")


class ConnectionKind(models.TextChoices):
    """A recorded tie between two people. Directed kinds read "A <name> B" one way and
    "B <inverse> A" the other (INVERSE); the others read the same both ways."""

    FRIEND = "friend", _("good friend of")
    CLASSMATE = "classmate", _("classmate of")
    EMBA = "emba", _("EMBA classmate of")
    COMRADE = "comrade", _("comrade of")
    RELATIVE = "relative", _("relative of")
    FORMER_COLLEAGUE = "former_colleague", _("former colleague of")
    ASSOCIATION = "association", _("association fellow of")
    REGULATES = "regulates", _("regulator of")
    ADVISES = "advises", _("adviser to")
    INFLUENCES = "influences", _("influences")
    CONFLICT = "conflict", _("in conflict with")
    BUSINESS = "business", _("business contact of")
    OTHER = "other", _("knows")


INVERSE = {
    ConnectionKind.REGULATES: _("regulated by"),
    ConnectionKind.ADVISES: _("advised by"),
    ConnectionKind.INFLUENCES: _("influenced by"),
}
"""The inverse names of directed kinds; every other kind is its own inverse."""

ORG_CHART_LINES = frozenset({ConnectionKind.INFLUENCES, ConnectionKind.CONFLICT})
"""Kinds drawn on an account's org chart apart from reporting lines."""

NOT_A_PATH = frozenset({ConnectionKind.CONFLICT})
"""Kinds the path finder never walks: a conflict opens no door."""
