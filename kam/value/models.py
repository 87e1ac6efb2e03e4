"""What the value engine keeps: named tier configurations, each account's tier, potential."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import AccountOwnedQuerySet
from kam.core.models import TimeStampedModel

from .choices import RATING_HELP, Tier


class TierConfig(TimeStampedModel):
    """A named set of weights and thresholds; the active one is the company's setting.

    `policy` holds only what differs from the documented defaults, by section
    (metrics, value, tiers, scorecard, flags), e.g. {"tiers": {"gold_share": 0.1}}.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=False)
    policy = models.JSONField(_("settings"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_config"
            )
        ]
        verbose_name = _("tier configuration")
        verbose_name_plural = _("tier configurations")

    def __str__(self) -> str:
        return self.name


class AccountTier(TimeStampedModel):
    """An account's place in the value pyramid: computed from data, or set by a manager."""

    account = models.OneToOneField(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tier_state",
    )
    computed_tier = models.CharField(_("computed tier"), max_length=16, choices=Tier.choices)
    score = models.FloatField(_("value score"), null=True, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    override_tier = models.CharField(
        _("tier set by a manager"), max_length=16, choices=Tier.choices, blank=True
    )
    override_reason = models.TextField(_("reason"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("set at"), null=True, blank=True)

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["account"]
        verbose_name = _("account tier")
        verbose_name_plural = _("account tiers")

    @property
    def tier(self) -> str:
        return self.override_tier or self.computed_tier

    def __str__(self) -> str:
        return f"{self.account} · {self.get_tier_display()}"

    def get_tier_display(self) -> str:
        return Tier(self.tier).label


def _rating(label):
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=RATING_HELP,
    )


class AccountPotential(TimeStampedModel):
    """The scorecard inputs a KAM judges (M1.3): what the customer could become for us."""

    account = models.OneToOneField(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="potential",
    )
    wallet = models.DecimalField(
        _("category spend a year"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What the customer spends a year on what we sell, from us and others."),
    )
    share = models.DecimalField(
        _("our share"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Our part of that spend, 0 to 1 (0.25 = 25%)."),
    )
    growth_outlook = _rating(_("growth outlook"))
    influence = _rating(_("influence and demonstration effect"))
    referral_power = _rating(_("referrals"))
    strategic_fit = _rating(_("strategic fit"))
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["account"]
        verbose_name = _("account potential")
        verbose_name_plural = _("account potential")

    def __str__(self) -> str:
        return str(self.account)
