"""`kam invalidate`: after data was changed behind kam's back (SQL by hand, a restore),
give every kind of data a new stamp so each cached analysis and snapshot is rebuilt."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kam.core import versions


class Command(BaseCommand):
    help = "Rebuild every cached analysis and snapshot on next use (after changing data by hand)."

    def handle(self, *args, **options):
        versions.bump(versions.ROLLUP, versions.VALUE)
        self.stdout.write(_("Caches invalidated: the next analysis reads the database again."))
