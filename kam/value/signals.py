"""Saved or deleted inputs of the value analysis give it a new stamp (kam.core.versions),
so cached analyses and dashboards never show figures older than the data.

Only what the analysis reads counts. An account's save bumps the value stamp when it
creates the account or changes what the analysis computes with (`COMPUTED_FIELDS`: the
owner, region and group decide teams' views and group figures, `deleted_at` whether the
account counts at all), the labels' stamp when it changes only what pages show of it
(`LABEL_FIELDS`: name, code, stages), and nothing otherwise (industry, status, short
name …). A stage move or a rename thus relabels the cached analysis; contacts, stage
checklists and history are no input at all.

Signals cover the admin and every service; bulk writes (imports, apply_tiers, the demo)
bump the stamp themselves, as bulk_create and update() send no signals.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from kam.accounts.models import Account, AccountTeamMember
from kam.core import versions
from kam.sales.models import AccountMonth, CostToServe
from kam.sales.signals import orders_imported

from .loaders import LABEL_FIELDS
from .models import AccountPotential, AccountTier, TierConfig

VALUE_INPUTS = (AccountTeamMember, AccountTier, AccountPotential, TierConfig, CostToServe)
"""Models every row of which the analysis reads: any save or delete bumps the value stamp."""
COMPUTED_FIELDS = ("owner", "region", "parent", "deleted_at")
"""The account's fields the analysis computes with (the loaders read their columns)."""
_CHANGED = "_value_changed_fields"


def _value_changed(sender, **kwargs) -> None:
    versions.bump(versions.VALUE)


def _rollup_changed(sender, **kwargs) -> None:
    versions.bump(versions.ROLLUP)


def _before_account_save(sender, instance: Account, raw=False, update_fields=None, **kwargs):
    """Note which watched fields a save changes, read from the row before it is written.
    A save naming its fields (every service's) is taken at its word, without a query."""
    watched = (*COMPUTED_FIELDS, *LABEL_FIELDS)
    if instance._state.adding or instance.pk is None:
        changed = set(COMPUTED_FIELDS)
    elif update_fields is not None:
        changed = {_field_name(name) for name in update_fields} & set(watched)
    else:
        columns = [Account._meta.get_field(name).attname for name in watched]
        before = Account.objects.filter(pk=instance.pk).values(*columns).first()
        if before is None:
            changed = set(COMPUTED_FIELDS)
        else:
            changed = {
                name
                for name, column in zip(watched, columns, strict=True)
                if before[column] != getattr(instance, column)
            }
    setattr(instance, _CHANGED, changed)


def _field_name(name: str) -> str:
    """`owner_id` as `owner`: update_fields may name a foreign key either way."""
    return name.removesuffix("_id")


def _account_saved(sender, instance: Account, **kwargs) -> None:
    changed = getattr(instance, _CHANGED, set(COMPUTED_FIELDS))
    if changed & set(COMPUTED_FIELDS):
        versions.bump(versions.VALUE)
    elif changed:
        versions.bump(versions.ACCOUNTS)


def _orders_imported(sender, **kwargs) -> None:
    """After an import has committed: its snapshots are rebuilt by a worker, off the
    importer's time (the page's import is done, the CLI returns); without a worker the first
    analysis builds them itself."""
    from .tasks import refresh_snapshots

    refresh_snapshots.enqueue()


def connect() -> None:
    orders_imported.connect(_orders_imported, dispatch_uid="value-orders-imported")
    for model in VALUE_INPUTS:
        post_save.connect(_value_changed, sender=model, dispatch_uid=f"value-{model.__name__}")
        post_delete.connect(_value_changed, sender=model, dispatch_uid=f"value-{model.__name__}-d")
    pre_save.connect(_before_account_save, sender=Account, dispatch_uid="value-Account-pre")
    post_save.connect(_account_saved, sender=Account, dispatch_uid="value-Account")
    post_delete.connect(_value_changed, sender=Account, dispatch_uid="value-Account-d")
    post_save.connect(_rollup_changed, sender=AccountMonth, dispatch_uid="rollup-month")
    post_delete.connect(_rollup_changed, sender=AccountMonth, dispatch_uid="rollup-month-d")
