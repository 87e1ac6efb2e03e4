from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EXECUTIVE = "executive", _("Executive (boss / CEO)")
    KA_DIRECTOR = "ka_director", _("Key account director")
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    KAM = "kam", _("Key account manager")
    SPECIALIST = "specialist", _("Specialist (technical / service)")
    FINANCE = "finance", _("Finance")


# Roles that see every account: they steer the whole portfolio.
PORTFOLIO_ROLES = frozenset({Role.EXECUTIVE, Role.KA_DIRECTOR})
