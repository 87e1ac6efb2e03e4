"""The customer's people. A first cut; the relationship work extends it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.access import AccountOwnedQuerySet
from kam.core.models import SoftDeleteModel, SoftDeleteQuerySet


class ContactQuerySet(AccountOwnedQuerySet, SoftDeleteQuerySet):
    """Contacts follow their account (`restrict`) and are deleted softly (`alive`)."""


class Contact(SoftDeleteModel):
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

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["account", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name
