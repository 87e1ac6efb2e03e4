"""Stamps of the data that caches depend on (see DataVersion).

`ROLLUP` changes when the monthly sales rollup does (imports, refreshes); `VALUE` when any
other input the value analysis computes with does (which accounts exist, their owner,
region and group, teams, tiers, potential, tier configurations, cost to serve);
`ACCOUNTS` when only what pages show of an account does (its name, code and stages),
which the analysis carries but does not compute with. Writers call `bump`; readers build
a cache key from `stamps()`, one query.
"""

import uuid

from django.db import transaction

from .models import DataVersion

ROLLUP = "rollup"
VALUE = "value"
ACCOUNTS = "accounts"
KINDS = (ROLLUP, VALUE, ACCOUNTS)
COMPUTED_FROM = (ROLLUP, VALUE)
"""The kinds an analysis is computed from: its cache key, without the accounts' labels."""


def bump(*names: str) -> None:
    """Give each named kind of data a new stamp, inside the caller's transaction."""
    with transaction.atomic():
        for name in names:
            token = uuid.uuid4().hex
            if not DataVersion.objects.filter(name=name).update(token=token):
                DataVersion.objects.create(name=name, token=token)


def stamps() -> dict[str, str]:
    """The current stamp of every kind of data ('' for a kind never written)."""
    found = dict(DataVersion.objects.values_list("name", "token"))
    return {name: found.get(name, "") for name in KINDS}


def labels(stamps: dict[str, str]) -> str:
    """The stamp of the accounts' names, codes and stages: new after a label edit
    (ACCOUNTS) and after any write of the value inputs (an import creates accounts with
    their names, `invalidate` renews everything); '' while the value stamp is unknown."""
    if not stamps[VALUE]:
        return ""
    return f"{stamps[VALUE]}-{stamps[ACCOUNTS]}" if stamps[ACCOUNTS] else stamps[VALUE]
