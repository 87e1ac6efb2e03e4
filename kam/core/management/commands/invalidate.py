"""`kam invalidate`: after data was changed behind kam's back (SQL by hand, a restore),
give every kind of data a new stamp so each cached analysis and snapshot is rebuilt."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core import versions
from kam.core.management.base import KamCommand


class Command(KamCommand):
    help = gettext_lazy(
        "Rebuild every cached analysis and snapshot on next use (after changing data by hand)."
    )

    def handle(self, *args, **options):
        versions.bump(*versions.KINDS)
        self.stdout.write(_("Caches invalidated: the next analysis reads the database again."))
