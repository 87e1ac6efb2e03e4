"""Stamps of the data that caches depend on (see DataVersion).

`ROLLUP` changes when the monthly sales rollup does (imports, refreshes); `VALUE` when any
other input of the value analysis does (accounts, teams, tiers, potential, tier
configurations, cost to serve). Writers call `bump`; readers build a cache key from
`stamps()`, one query.
"""

import uuid

from django.db import transaction

from .models import DataVersion

ROLLUP = "rollup"
VALUE = "value"


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
    return {name: found.get(name, "") for name in (ROLLUP, VALUE)}
