"""`kam cleanup-uploads`: delete uploads that were never imported, after the retention period."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.management.base import KamCommand
from kam.sales.web_import import delete_abandoned_uploads


class Command(KamCommand):
    help = gettext_lazy(
        "Delete uploaded files never imported (not started, refused or failed) once they are "
        "older than KAM_UPLOAD_RETENTION_DAYS; schedule it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=_("keep uploads this many days (default: KAM_UPLOAD_RETENTION_DAYS, %(days)s)")
            % {"days": settings.KAM_UPLOAD_RETENTION_DAYS},
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("list what would be deleted; delete nothing")
        )

    def handle(self, *args, **options):
        days = options["days"]
        if days is None:
            days = settings.KAM_UPLOAD_RETENTION_DAYS
        before = timezone.now() - timedelta(days=max(days, 0))
        jobs = delete_abandoned_uploads(before, dry_run=options["dry_run"])
        for job in jobs:
            self.stdout.write(
                f"  {job.file_name} ({job.get_state_display()}, {job.updated_at:%Y-%m-%d})"
            )
        if options["dry_run"]:
            text = _("%(count)s uploads older than %(days)s days would be deleted.")
        else:
            text = _("%(count)s uploads older than %(days)s days deleted.")
        self.stdout.write(text % {"count": len(jobs), "days": days})
