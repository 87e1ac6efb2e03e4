"""`kam serve`: the production-style server (gunicorn) that `make run` uses too, with
`--with-worker` a `kam worker` beside it, so one command runs all of kam."""

import atexit
import os
import signal
import subprocess
import sys

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand
from kam.core.processes import die_with_parent

WORKER_STOP_SECONDS = 10


class Command(KamCommand):
    help = gettext_lazy("Serve kam with gunicorn, the production web server.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
        )
        parser.add_argument(
            "--port", type=int, default=8000, help=_("port to listen on (default 8000)")
        )
        parser.add_argument(
            "--workers", type=int, default=2, help=_("worker processes (default 2)")
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help=_(
                "also run `kam worker` (queued imports and other jobs), stopped with the "
                "server; in production run it as a service of its own"
            ),
        )

    def handle(self, *args, host, port, workers, with_worker, **options):
        from gunicorn.app.wsgiapp import WSGIApplication

        if with_worker:
            start_worker()
        self.stdout.write(
            _("kam is serving on http://%(host)s:%(port)s/") % {"host": host, "port": port}
        )
        sys.argv = [
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


def start_worker() -> subprocess.Popen:
    """`kam worker` as a child: it dies with the server (even a killed one) and is stopped
    when the server exits (Ctrl-C reaches both: the worker finishes its job first)."""
    server = os.getpid()
    worker = subprocess.Popen(
        [sys.executable, "-m", "kam.cli", "worker", "-v", "0"],
        preexec_fn=lambda: die_with_parent(server),
    )
    atexit.register(_stop, worker, server)
    return worker


def _stop(worker: subprocess.Popen, server: int) -> None:
    if os.getpid() != server:  # a forked gunicorn worker inherits atexit: not its child
        return
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
