"""`kam serve`: the production-style server (gunicorn) that `make run` uses too."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand


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

    def handle(self, *args, host, port, workers, **options):
        from gunicorn.app.wsgiapp import WSGIApplication

        self.stdout.write(
            _("kam is serving on http://%(host)s:%(port)s/") % {"host": host, "port": port}
        )
        argv = [
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
        import sys

        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
