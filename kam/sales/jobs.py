"""Imports as jobs: one import lock for the page, the API and the CLI; a heartbeat; the sweep
that fails runs whose process died; and the worker's run of an import in a child process
with memory and time limits.

The lock is the ImportJob row whose unique `lock` column is True: the database itself
refuses a second holder, on SQLite and PostgreSQL alike. Who holds it is read first (reads
never wait, also on SQLite while an import writes), so the second import gets a message
naming the first instead of waiting for the database.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kam.core.processes import limited_child, resident_mb

from .models import ImportJob, ImportJobState

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
LOCKED_WAIT_MS = 200  # how long a heartbeat waits for SQLite's write lock before skipping


class ImportBusy(Exception):
    """Another import holds the import lock; the message says whose and since when."""


def runner_id() -> str:
    return f"{HOST}:{os.getpid()}"


# --- the lock -------------------------------------------------------------------------------


def active_import(exclude: int | None = None) -> ImportJob | None:
    jobs = ImportJob.objects.filter(lock=True).select_related("uploaded_by")
    return jobs.exclude(pk=exclude).first() if exclude else jobs.first()


def busy_message(holder: ImportJob | None) -> str:
    if holder is None:
        return _("Another import is running. Try again when it has finished.")
    who = holder.uploaded_by.get_username() if holder.uploaded_by else holder.runner
    when = timezone.localtime(holder.started_at or holder.created_at)
    return _(
        "Another import is running (started by %(user)s at %(time)s). "
        "Try again when it has finished."
    ) % {"user": who, "time": f"{when:%Y-%m-%d %H:%M:%S}"}


def take_lock(job_id: int, *, state: str, **fields) -> bool:
    """Give the job the import lock in `state`, or raise ImportBusy naming the holder.

    False when the job is already active or done (a second click): nothing changes.
    """
    sweep_dead_imports()
    holder = active_import(exclude=job_id)
    if holder is not None:
        raise ImportBusy(busy_message(holder))
    now = timezone.now()
    startable = ImportJob.objects.filter(pk=job_id, lock__isnull=True).exclude(
        state=ImportJobState.DONE
    )
    try:
        with transaction.atomic():
            taken = startable.update(
                lock=True, state=state, heartbeat_at=now, updated_at=now, **fields
            )
    except IntegrityError:
        raise ImportBusy(busy_message(active_import(exclude=job_id))) from None
    except OperationalError as error:  # SQLite: another import holds the write lock
        if not is_locked(error):
            raise
        raise ImportBusy(busy_message(active_import(exclude=job_id))) from None
    return bool(taken)


def begin_import(file_name: str, *, user, source: str, origin: str) -> ImportJob:
    """A run of this process (the CLI's) holding the import lock, or ImportBusy."""
    sweep_dead_imports()
    holder = active_import()
    if holder is not None:
        raise ImportBusy(busy_message(holder))
    try:
        job = ImportJob.objects.create(
            uploaded_by=user, file_name=file_name[:255], source=source, origin=origin
        )
    except OperationalError as error:  # SQLite: an import started just now is writing
        if not is_locked(error):
            raise
        raise ImportBusy(busy_message(active_import())) from None
    try:
        take_lock(
            job.pk, state=ImportJobState.RUNNING, started_at=timezone.now(), runner=runner_id()
        )
    except ImportBusy:
        with contextlib.suppress(OperationalError):
            job.delete()
        raise
    job.refresh_from_db()
    return job


def release_lock(job_id: int, state: str, **fields) -> None:
    """Record how the run ended and let the next import start."""
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        lock=None, state=state, finished_at=now, updated_at=now, **fields
    )


def is_locked(error: OperationalError) -> bool:
    return "locked" in str(error).lower()


# --- heartbeat ------------------------------------------------------------------------------


@contextlib.contextmanager
def _short_lock_wait():
    """On SQLite a heartbeat must not wait 30 s behind an import's transaction: skip it."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {LOCKED_WAIT_MS}")
    try:
        yield
    finally:
        timeout = int(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5) * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {timeout}")


def beat(job_id: int, done: int | None = None, total: int | None = None) -> None:
    """Record that the run is alive, with its progress; skipped while the database is busy."""
    fields = {"heartbeat_at": timezone.now()}
    if total:
        fields.update(done=done, total=total)
    try:
        with _short_lock_wait():
            ImportJob.objects.filter(pk=job_id, lock=True).update(**fields)
    except OperationalError as error:
        if not is_locked(error):
            raise
        logger.debug("heartbeat of import %s skipped: database busy", job_id)


class Heartbeat:
    """A thread that beats for a run in this process (the CLI's), with its progress.

    Use as the importer's progress callback; the thread has its own database connection.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kam-heartbeat-{job_id}")

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.KAM_JOB_HEARTBEAT_SECONDS):
                try:
                    beat(self.job_id, self.done, self.total)
                except Exception:
                    logger.exception("heartbeat of import %s failed", self.job_id)
        finally:
            connection.close()


# --- noticing dead runs ---------------------------------------------------------------------


def sweep_dead_imports(**kwargs) -> int:
    """Fail the imports whose process died (no heartbeat for the timeout) and queued ones no
    worker started, so that no dead run blocks the next import; returns how many.

    Also what a restored backup's "running" job meets: its heartbeat is old.
    """
    now = timezone.now()
    silent = now - timedelta(seconds=settings.KAM_JOB_HEARTBEAT_TIMEOUT)
    unstarted = now - timedelta(seconds=settings.KAM_IMPORT_QUEUE_TIMEOUT)
    dead = ImportJob.objects.filter(lock=True).filter(  # one query: every page asks
        Q(state=ImportJobState.RUNNING, heartbeat_at__lt=silent)
        | Q(state=ImportJobState.QUEUED, heartbeat_at__lt=unstarted)
        | Q(state=ImportJobState.RUNNING, runner__startswith=f"{HOST}:")
    )
    failed = 0
    for job in dead:
        if job.state == ImportJobState.QUEUED:
            failed += _fail_dead(job, unstarted_reason())
        elif _gone_here(job) if job.heartbeat_at >= silent else not _alive_here(job):
            failed += _fail_dead(job, interrupted_reason())
    return failed


def unstarted_reason() -> str:
    return _(
        "No worker started the import. Is `kam worker` running? Nothing was written; "
        "import the file again."
    )


def interrupted_reason() -> str:
    return _(
        "The import was interrupted: the process running it stopped (worker or server "
        "restarted or killed?). Nothing was written; import the file again."
    )


def _alive_here(job: ImportJob) -> bool:
    """A run of this machine whose process lives, though its heartbeat waits for SQLite's
    write lock (held by its own import transaction); never longer than the time limit."""
    if connection.vendor != "sqlite":  # elsewhere heartbeats never wait: silence is death
        return False
    host, _sep, pid = job.runner.rpartition(":")
    if host != HOST or not pid.isdigit():
        return False
    limit = settings.KAM_IMPORT_TIME_LIMIT + settings.KAM_JOB_HEARTBEAT_TIMEOUT
    if job.heartbeat_at < timezone.now() - timedelta(seconds=limit):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _gone_here(job: ImportJob) -> bool:
    """A run of this machine whose process is gone (a killed CLI import): dead now, without
    waiting for its heartbeat to fall silent, so the next import is accepted at once."""
    host, _sep, pid = job.runner.rpartition(":")
    if host != HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _fail_dead(job: ImportJob, reason: str) -> int:
    """Fail it unless it beat meanwhile; its task result too, left "running" by the dead."""
    now = timezone.now()
    try:
        failed = ImportJob.objects.filter(
            pk=job.pk, lock=True, heartbeat_at=job.heartbeat_at
        ).update(
            lock=None, state=ImportJobState.FAILED, finished_at=now, updated_at=now, error=reason
        )
    except OperationalError as error:  # SQLite busy with an import: judge it next time
        if not is_locked(error):
            raise
        return 0
    if failed and job.task_id:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
            status="FAILED", finished_at=now
        )
    if failed:
        logger.warning("import job %s failed: %s", job.pk, reason)
    return failed


# --- the worker's run -----------------------------------------------------------------------


def run_in_child(job_id: int, language: str, run: str) -> None:
    """Run `run(job_id, language, progress)` (a dotted path) in a child process with memory
    and time limits (KAM_IMPORT_MEMORY_MB of resident memory, KAM_IMPORT_TIME_LIMIT),
    beating for it meanwhile.

    A child, not a thread: an import over the limits is killed without the worker, and
    reading a hostile file cannot take the worker's memory. The child dies with the worker.
    """
    now = timezone.now()
    started = ImportJob.objects.filter(pk=job_id, lock=True, state=ImportJobState.QUEUED).update(
        state=ImportJobState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        updated_at=now,
        runner=runner_id(),
    )
    if not started:
        return  # swept meanwhile, or run already
    connections.close_all()  # the child opens its own
    # spawn, not fork: a fork copies locks that the worker's other threads (its ticker) may
    # hold at that moment, and the child would wait for them forever.
    context = multiprocessing.get_context("spawn")
    figures = context.Array("q", 2, lock=False)
    child = context.Process(
        target=limited_child,
        args=(run, (job_id, language), figures, os.getpid()),
        name=f"import-{job_id}",
    )
    child.start()
    reason = watch(child, job_id, figures)
    if reason is None and child.exitcode != 0:
        reason = functools.partial(crash_reason, child.exitcode)
    if reason is not None:
        with translation.override(language):
            _fail_running(job_id, reason())


WATCH_SECONDS = 0.1  # how often the child's memory is measured


def watch(child, job_id: int, figures):
    """Wait for the child, beating for it; kill it past the time or memory limit and give
    that reason (a function: the sentence is made in the job's language), or None when it
    ended by itself."""
    deadline = time.monotonic() + settings.KAM_IMPORT_TIME_LIMIT
    next_beat = time.monotonic() + settings.KAM_JOB_HEARTBEAT_SECONDS
    while child.exitcode is None:
        child.join(min(WATCH_SECONDS, max(deadline - time.monotonic(), 0)))
        if child.exitcode is not None:
            return None
        reason = over_limits(child.pid, deadline)
        if reason is not None:
            child.kill()
            child.join()
            return reason
        if time.monotonic() >= next_beat:
            beat(job_id, figures[0], figures[1])
            next_beat = time.monotonic() + settings.KAM_JOB_HEARTBEAT_SECONDS
    return None


def over_limits(pid: int, deadline: float):
    if time.monotonic() >= deadline:
        return time_limit_reason
    if resident_mb(pid) > settings.KAM_IMPORT_MEMORY_MB:
        return memory_reason
    return None


def time_limit_reason() -> str:
    return _(
        "The import took longer than the time limit of %(seconds)s seconds "
        "(KAM_IMPORT_TIME_LIMIT) and was stopped. Nothing was written."
    ) % {"seconds": round(settings.KAM_IMPORT_TIME_LIMIT)}


def memory_reason() -> str:
    return _(
        "The import needed more memory than the limit of %(mb)s MB (KAM_IMPORT_MEMORY_MB) "
        "and was stopped. Nothing was written."
    ) % {"mb": settings.KAM_IMPORT_MEMORY_MB}


def crash_reason(exitcode: int) -> str:
    if exitcode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL):  # allocation failed
        return memory_reason()
    return _(
        "The import stopped on an unexpected error; the worker's log has the details. "
        "Nothing was written."
    )


def _fail_running(job_id: int, reason: str) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id, lock=True).update(
        lock=None, state=ImportJobState.FAILED, finished_at=now, updated_at=now, error=reason
    )
    logger.warning("import job %s failed: %s", job_id, reason)
