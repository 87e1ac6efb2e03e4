"""Stamps written before `versions.bump` kept their time (update() skips auto_now): their
`updated_at` says when the stamp was first written, not when the data last changed. Set it
to now, so that `versions.changed_at` never claims an older change than the truth (the
API's `updated_since` then lists every computed row once, rather than missing one)."""

from django.db import migrations
from django.utils import timezone


def stamp_now(apps, schema_editor):
    apps.get_model("core", "DataVersion").objects.update(updated_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("core", "0003_data_version")]

    operations = [migrations.RunPython(stamp_now, migrations.RunPython.noop)]
