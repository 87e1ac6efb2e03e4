"""What sales announces to the apps above it, so that they react without sales importing them.

`orders_imported` is sent once an import's lines are committed (never for a dry run or a
refused file); the value app listens and refreshes its snapshots.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# Sent with batch_id (the ImportBatch written) and source, after the commit.
orders_imported = Signal()


def announce_import(batch_id: int | None, source: str) -> None:
    """Send `orders_imported` when the surrounding transaction commits (at once outside one).

    Robust on both levels: a listener's failure is logged, never raised, so nothing after
    the commit can fail the import that wrote the lines.
    """

    def send() -> None:
        for receiver, answer in orders_imported.send_robust(
            sender=None, batch_id=batch_id, source=source
        ):
            if isinstance(answer, Exception):
                logger.error("listener %r of orders_imported failed", receiver, exc_info=answer)

    transaction.on_commit(send, robust=True)
