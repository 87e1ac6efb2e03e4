"""Any saved or deleted input of the value analysis gives it a new stamp (kam.core.versions),
so cached analyses and dashboards never show figures older than the data.

Signals cover the admin and every service; bulk writes (imports, apply_tiers, the demo)
bump the stamp themselves, as bulk_create and update() send no signals.
"""

from django.db.models.signals import post_delete, post_save

from kam.accounts.models import Account, AccountTeamMember
from kam.core import versions
from kam.sales.models import AccountMonth, CostToServe
from kam.sales.signals import orders_imported

from .models import AccountPotential, AccountTier, TierConfig

VALUE_INPUTS = (Account, AccountTeamMember, AccountTier, AccountPotential, TierConfig, CostToServe)


def _value_changed(sender, **kwargs) -> None:
    versions.bump(versions.VALUE)


def _rollup_changed(sender, **kwargs) -> None:
    versions.bump(versions.ROLLUP)


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
    post_save.connect(_rollup_changed, sender=AccountMonth, dispatch_uid="rollup-month")
    post_delete.connect(_rollup_changed, sender=AccountMonth, dispatch_uid="rollup-month-d")
