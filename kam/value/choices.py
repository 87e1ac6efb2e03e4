from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    DIAMOND = "diamond", _("Diamond")
    GOLD = "gold", _("Gold")
    STRATEGIC = "strategic", _("Strategic")
    ORDINARY = "ordinary", _("Ordinary")


RATING_HELP = _("1 = low … 5 = high")
