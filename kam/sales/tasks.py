"""The sales app's jobs for `kam worker` (Django's tasks framework, `@task`).

Each app keeps its jobs in its own tasks.py; a page or the API enqueues them through a
service (here `web_import.start_import`), never runs them in the web process.
"""

from django_tasks import task


@task()
def import_orders_job(job_id: int, language: str) -> None:
    """Run one queued import (kam.sales.jobs: in a child with limits, with a heartbeat).

    Not retried by the task: an import writes all its lines or none, so a failed one is
    recorded with its reason and the user imports again; only a transient database error
    inside the run is retried there (web_import.run_import).
    """
    from . import jobs

    jobs.run_in_child(job_id, language, "kam.sales.web_import.run_import")
