"""An import's batch now has `updated_at` stamped when its writing ends, so that no line it
wrote is newer (the API finds lines changed since a time through their batch). Batches of
earlier imports get the time of their newest line."""

from django.db import migrations
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def stamp_batches(apps, schema_editor):
    batch_model = apps.get_model("sales", "ImportBatch")
    line_model = apps.get_model("sales", "OrderLine")
    newest = (
        line_model.objects.filter(batch_id=OuterRef("pk"))
        .order_by()
        .values("batch_id")
        .annotate(newest=Max("updated_at"))
        .values("newest")
    )
    batch_model.objects.update(updated_at=Coalesce(Subquery(newest), F("updated_at")))


class Migration(migrations.Migration):
    dependencies = [("sales", "0008_import_job_worker")]

    operations = [migrations.RunPython(stamp_batches, migrations.RunPython.noop)]
