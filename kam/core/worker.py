"""What `kam worker` offers the apps without knowing them: a periodic tick.

Apps connect their periodic duties (noticing dead jobs, later reminders and digests) to
`worker_tick` in their AppConfig.ready; the worker sends it every KAM_WORKER_SWEEP_SECONDS
from a thread of its own, beside the tasks it runs.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.dispatch import Signal

logger = logging.getLogger(__name__)

worker_tick = Signal()


def tick() -> None:
    """Send the tick; a failing duty is logged and tried again at the next tick."""
    close_old_connections()
    for receiver, answer in worker_tick.send_robust(sender=None):
        if isinstance(answer, Exception):
            logger.error("periodic duty %r failed", receiver, exc_info=answer)


class Ticker(threading.Thread):
    """Ticks until stopped; daemon, so a worker told to stop does not wait for it."""

    def __init__(self, every: float | None = None):
        super().__init__(name="kam-worker-tick", daemon=True)
        self.every = settings.KAM_WORKER_SWEEP_SECONDS if every is None else every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                tick()
                if self.stopped.wait(self.every):
                    return
        finally:
            connection.close()
