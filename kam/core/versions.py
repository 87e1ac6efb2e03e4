"""Stamps of the data that caches depend on (see DataVersion).

`ROLLUP` changes when the monthly sales rollup does (imports, refreshes); `VALUE` when any
other input the value analysis computes with does (which accounts exist, their owner,
region and group, teams, tiers, potential, tier configurations, cost to serve);
`ACCOUNTS` when only what pages show of an account does (its name, code and stages),
which the analysis carries but does not compute with. Writers call `bump`; readers build
a cache key from `stamps()`, one query. Each stamp also keeps when it last changed
(`changed_at`), so that the API can say which computed figures may have changed since a
time.
"""

import uuid
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

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
            # update() skips auto_now: the time is set here, so changed_at tells the truth
            stamp = {"token": token, "updated_at": timezone.now()}
            if not DataVersion.objects.filter(name=name).update(**stamp):
                DataVersion.objects.create(name=name, **stamp)


def stamps() -> dict[str, str]:
    """The current stamp of every kind of data ('' for a kind never written)."""
    found = dict(DataVersion.objects.values_list("name", "token"))
    return {name: found.get(name, "") for name in KINDS}


def changed_at(*names: str) -> datetime | None:
    """When the latest of the named kinds of data last changed (None: never written). A
    write that rolled back restored its stamp's time with its token. One query."""
    rows = DataVersion.objects.filter(name__in=names)
    return rows.aggregate(last=Max("updated_at"))["last"]


def labels(stamps: dict[str, str]) -> str:
    """The stamp of the accounts' names, codes and stages: new after a label edit
    (ACCOUNTS) and after any write of the value inputs (an import creates accounts with
    their names, `invalidate` renews everything); '' while the value stamp is unknown."""
    if not stamps[VALUE]:
        return ""
    return f"{stamps[VALUE]}-{stamps[ACCOUNTS]}" if stamps[ACCOUNTS] else stamps[VALUE]
