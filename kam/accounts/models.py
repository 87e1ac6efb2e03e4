"""Customers (accounts), their groups and regions, and the team that serves each."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from kam.core.models import SoftDeleteModel, SoftDeleteQuerySet, TimeStampedModel

from .choices import AccountStatus, RelationshipStage, SalesStage, StageTrack, TeamRole
from .stages import TRACKS
from .validators import validate_uscc


class Region(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class AccountQuerySet(SoftDeleteQuerySet):
    def restrict(self, user, action="view", *, with_deleted: bool = False):
        """The accounts `user` may act on for `action`; the rules are in `access`."""
        from . import access

        return access.restrict_accounts(
            self, user, access.Action(action), with_deleted=with_deleted
        )


class AccountOwnedQuerySet(models.QuerySet):
    """For every model whose rows belong to an account: `restrict` follows the account
    (the rules are in `access`), so such a model never needs rules of its own."""

    account_path = "account"

    def restrict(self, user, action="view", *, with_deleted: bool = False):
        from . import access

        return access.restrict_owned(self, user, access.Action(action), with_deleted=with_deleted)


class Account(SoftDeleteModel):
    """A customer of the selling company, as its ERP knows it."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    code = models.CharField(
        _("customer code"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The customer code in the ERP; imports match accounts by it."),
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
        help_text=_("For a subsidiary of a group customer (集团客户)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (KAM)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )

    sales_stage = models.CharField(
        _("sales stage"),
        max_length=16,
        choices=SalesStage.choices,
        default=SalesStage.QUALIFIED,
        help_text=_("Where the account stands on the way to sole supplier (M2)."),
    )
    relationship_stage = models.CharField(
        _("relationship stage"),
        max_length=16,
        choices=RelationshipStage.choices,
        default=RelationshipStage.EXPLORATORY,
        help_text=_("How deep the relationship goes, up to a strategic alliance (M3)."),
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Store the code as the registry writes it: upper case, no spaces.
        if self.uscc:
            self.uscc = uscc.compact(self.uscc)


class AccountTeamMember(TimeStampedModel):
    """A person of ours on an account's team; one person may hold several roles."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=TeamRole.choices)
    department = models.CharField(_("department"), max_length=100, blank=True)

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["account", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user", "role"], name="unique_team_role")
        ]
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class StageCheck(TimeStampedModel):
    """One item of a stage's checklist (what must be proven, see stages.py) for one account:
    done or not, with a note saying how it was proven. Every tick goes to history."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="stage_checks"
    )
    track = models.CharField(_("track"), max_length=16, choices=StageTrack.choices)
    stage = models.CharField(_("stage"), max_length=16)
    item = models.CharField(_("checklist item"), max_length=32)
    done = models.BooleanField(_("done"), default=False)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["account", "track", "stage", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "track", "stage", "item"], name="unique_stage_check"
            )
        ]
        verbose_name = _("stage checklist item")
        verbose_name_plural = _("stage checklist items")

    def __str__(self) -> str:
        return f"{self.account} · {self.track}/{self.stage}/{self.item}"


class StageMilestone(TimeStampedModel):
    """The company's own milestones for a stage: which department takes part, when, doing
    what (跨部门协同, [001]). A stage with none here shows the defaults of stages.py."""

    track = models.CharField(_("track"), max_length=16, choices=StageTrack.choices)
    stage = models.CharField(
        _("stage"),
        max_length=16,
        choices=[*SalesStage.choices, *RelationshipStage.choices],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    department = models.CharField(_("department"), max_length=100)
    when = models.CharField(_("when"), max_length=200)
    action = models.TextField(_("doing what"))

    class Meta:
        ordering = ["track", "stage", "order", "id"]
        verbose_name = _("stage milestone")
        verbose_name_plural = _("stage milestones")

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.department}"

    def clean(self) -> None:
        if self.track in TRACKS and self.stage not in {s.key for s in TRACKS[self.track]}:
            raise ValidationError({"stage": _("This stage does not belong to that track.")})
