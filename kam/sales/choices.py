from django.db import models
from django.utils.translation import gettext_lazy as _


class CostCategory(models.TextChoices):
    VISITS = "visits", _("Visits and travel")
    SERVICE = "service", _("Technical service")
    FREIGHT = "freight", _("Freight")
    SAMPLES = "samples", _("Samples")
    REBATES = "rebates", _("Rebates")
    ENTERTAINMENT = "entertainment", _("Hospitality")
    OTHER = "other", _("Other")


class ImportOrigin(models.TextChoices):
    """Where an import was started: all of them take the same import lock."""

    PAGE = "page", _("import page")
    CLI = "cli", _("command line")
    API = "api", _("API")
