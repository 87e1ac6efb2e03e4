from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitKind(models.TextChoices):
    """What kind of contact a logged visit was. The care issue adds the other activities."""

    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EXECUTIVE_VISIT = "executive_visit", _("Executive visit")


MEETINGS = frozenset({VisitKind.VISIT, VisitKind.MEETING, VisitKind.EXECUTIVE_VISIT})
"""Kinds where we met the person face to face: these make "last met" and coverage.
A call keeps in touch but is not a meeting (M5.2: "never visited")."""


class TaskOrigin(models.TextChoices):
    """Where a task came from, so its page can say why it exists."""

    MANUAL = "manual", _("Entered by hand")
    NEXT_STEP = "next_step", _("Next step of a visit")
    INTRODUCTION = "introduction", _("Introduction asked from a path")
