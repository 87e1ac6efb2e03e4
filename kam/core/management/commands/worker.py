"""`kam worker`: run queued jobs (page imports now; reminders, digests later)."""

import os
import socket

from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.management.commands.db_worker import Worker

from kam.core.management.base import KamCommand
from kam.core.worker import Ticker


class Command(KamCommand):
    help = gettext_lazy(
        "Run queued jobs (imports from the page, later reminders and digests); keep one "
        "running beside kam serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help=_("seconds between looks at the queue when it is empty (default 1)"),
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help=_("run the jobs waiting now, then exit (for tests and one-off runs)"),
        )

    def handle(self, *args, interval, batch, verbosity, **options):
        """django-tasks-db's worker runs the tasks (its SIGINT/SIGTERM handling lets a running
        job finish); the ticker beside it notices dead jobs meanwhile."""
        worker_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(6)}"
        if verbosity > 0:
            self.stdout.write(_("kam worker %(id)s is waiting for jobs.") % {"id": worker_id})
        ticker = Ticker()
        ticker.start()
        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            ticker.stopped.set()
