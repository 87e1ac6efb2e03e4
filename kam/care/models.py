"""Keeping key accounts (METHODOLOGY M6, M8): logged visits, the tasks that follow from them,
and the company's upkeep settings. A first cut; the care issue completes the activities."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.accounts.access import AccountOwnedQuerySet
from kam.core.models import SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel

from .choices import TaskOrigin, VisitKind


class VisitQuerySet(AccountOwnedQuerySet, SoftDeleteQuerySet):
    """Visits follow their account and are deleted softly."""


class Visit(SoftDeleteModel):
    """A visit, call, meeting or executive visit with the customer's people. "Last met" and
    the coverage of the decision chain are computed from these."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.VISIT
    )
    date = models.DateField(_("date"), db_index=True)
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our participants"),
        related_name="visits",
        blank=True,
    )
    their_people = models.ManyToManyField(
        "people.Contact", verbose_name=_("their participants"), related_name="visits", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.date} · {self.get_kind_display()} · {self.account}"

    def clean(self) -> None:
        """A visit is logged after it happened; one still to come is a task."""
        if self.date and self.date > timezone.localdate():
            raise ValidationError(
                {"date": _("A visit is logged once it happened; plan a coming one as a task.")}
            )


class TaskQuerySet(SoftDeleteQuerySet):
    def open(self):
        return self.alive().filter(done_at__isnull=True)


class Task(SoftDeleteModel):
    """Something one of our people has to do, by a date: a visit's next step, an
    introduction asked for from a path. The pursuit and care issues add more origins."""

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    title = models.CharField(pgettext_lazy("task", "title"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=TaskOrigin.choices, default=TaskOrigin.MANUAL
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        "people.Contact",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title


class CarePolicy(TimeStampedModel):
    """The company's upkeep settings: coverage rules and their thresholds, meeting cadence and
    executive visit cadence per tier. `policy` holds only what differs from the documented
    defaults (kam.care.policy.DEFAULTS); one row, changed by those who steer value."""

    policy = models.JSONField(_("settings"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("upkeep settings")
        verbose_name_plural = _("upkeep settings")

    def __str__(self) -> str:
        return str(_("upkeep settings"))
