"""The value app's jobs for `kam worker` (Django's tasks framework)."""

from django_tasks import task


@task()
def refresh_snapshots() -> float:
    """Write the analysis' snapshots after an import, so the next dashboard needs not wait."""
    from .services import prepare_snapshots

    return prepare_snapshots()
