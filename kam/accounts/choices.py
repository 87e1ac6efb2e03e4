from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class TeamRole(models.TextChoices):
    KAM = "kam", _("Key account manager")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
    TECHNICAL_LEAD = "technical_lead", _("Technical lead")
    SERVICE_LEAD = "service_lead", _("Service lead")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class SalesStage(models.TextChoices):
    """The four sales stages of account development (METHODOLOGY M2), in order."""

    QUALIFIED = "qualified", _("Qualified supplier")
    TRIAL = "trial", _("Small-batch trial")
    VOLUME = "volume", _("Volume ramp")
    SOLE = "sole", _("Sole / preferred supplier")


class RelationshipStage(models.TextChoices):
    """The five relationship stages (METHODOLOGY M3), in order."""

    EXPLORATORY = "exploratory", _("Exploratory")
    BASIC = "basic", _("Basic")
    COOPERATIVE = "cooperative", _("Cooperative")
    INTERDEPENDENT = "interdependent", _("Interdependent")
    ALLIANCE = "alliance", _("Strategic alliance")


class StageTrack(models.TextChoices):
    """The two ways an account develops: sales stages (M2) and relationship stages (M3)."""

    SALES = "sales", _("Sales stages")
    RELATIONSHIP = "relationship", _("Relationship stages")
