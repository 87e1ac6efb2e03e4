"""The import page's steps around the CLI's importer: keep an upload, check it, run it.

The check is `services.check_orders` (the importer's own reader, column detection and row
checks, no writes) and the run is `services.import_orders` itself, so the page shows and
does exactly what `kam import orders` would.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import polars as pl
import python_calamine
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, storages
from django.db import OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .choices import ImportOrigin
from .importing.columns import FIELDS, MappingError, detect_mapping
from .importing.parsing import infer_date_order
from .importing.readers import (
    EXCEL_SUFFIXES,
    TEXT_SUFFIXES,
    ZIP_SUFFIXES,
    ImportFileError,
    check_workbook,
)
from .importing.report import ImportRejected, Problem, in_file_order
from .jobs import ImportBusy, release_lock, sweep_dead_imports, take_lock
from .models import ImportBatch, ImportJob, ImportJobState
from .services import OrderCheck, check_orders, import_orders

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 20
PROBLEMS_SHOWN = 100  # on the page; the downloadable report lists every one
INSPECTION_CACHE_SECONDS = 600
ATTEMPTS = 3  # a run that meets a transient database error (rolled back) is tried again
ROW = "__row"


class UploadError(Exception):
    """An upload the page refuses before keeping it; the message says why."""


__all__ = ["ImportBusy"]  # raised by start_import; defined with the lock in .jobs


class ImportNotReady(Exception):
    """The page's own choices are incomplete (no source yet): nothing was started."""


# --- uploads --------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "KAM_IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def upload_storage() -> Storage:
    """Where uploads wait for their import: the "imports" storage (STORAGES), which every app
    server and worker must reach; a folder under var/ by default."""
    return storages["imports"]


def safe_file_name(name: str) -> str:
    """The last path part, reduced to letters of any script, digits, '.', '-' and '_'.

    Browsers may send a full Windows path or names with shell or HTML characters; the name
    is kept (ImportBatch shows it) but never trusted as a path.
    """
    base = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, suffix = os.path.splitext(base)
    stem = re.sub(r"[^\w.\-]+", "_", stem).strip("._-")[:100] or "upload"
    suffix = re.sub(r"[^\w]+", "", suffix).lower()[:8]
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, size: int, content: BinaryIO | None = None) -> None:
    """Refuse an upload before it is kept: its type, its size and, for a workbook (a zip),
    what it would unpack to, read off the zip's directory only (readers.check_workbook)."""
    suffix = Path(safe_file_name(name)).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(
            _("Upload a .csv or .xlsx file (also accepted: %(others)s).")
            % {"others": ", ".join(sorted(UPLOAD_SUFFIXES - {".csv", ".xlsx"}))}
        )
    limit = max_upload_bytes()
    if size > limit:
        raise UploadError(
            _("The file is larger than the limit of %(limit)s MB.")
            % {"limit": round(limit / 1024 / 1024)}
        )
    if content is not None and suffix in ZIP_SUFFIXES:
        try:
            check_workbook(content, safe_file_name(name))
        except ImportFileError as error:
            raise UploadError(str(error)) from None


def save_upload(uploaded, user, *, origin: str = ImportOrigin.PAGE) -> ImportJob:
    """Keep the file under a folder name of its own in the upload storage; only ever read."""
    check_upload(uploaded.name, uploaded.size, uploaded)
    name = safe_file_name(uploaded.name)
    storage = upload_storage()
    stored = storage.save(f"{timezone.now():%Y%m%d}-{secrets.token_hex(8)}/{name}", uploaded)
    return ImportJob.objects.create(
        uploaded_by=user,
        file_name=name,
        stored_as=stored,
        size=storage.size(stored),
        source="",  # chosen on the page: lines are keyed by source, order and line number
        origin=origin,
    )


def discard_upload(job: ImportJob) -> None:
    """Remove an imported file and its folder: its lines are in the database now, and an
    ERP export full of customer data should not lie around twice."""
    if not job.stored_as:  # a CLI run: its file was never ours
        return
    storage = upload_storage()
    storage.delete(job.stored_as)
    with contextlib.suppress(NotImplementedError, OSError, SuspiciousFileOperation):
        Path(storage.path(job.stored_as)).parent.rmdir()  # not empty or gone: leave it


def discard_job(job: ImportJob) -> None:
    """An upload that will not be imported, gone with its file: a refused API upload (another
    import started meanwhile) and the cleanup's abandoned ones. A record pointing outside
    the upload folder has no file of ours to delete."""
    with contextlib.suppress(ImportFileError):
        discard_upload(job)
    job.delete()


def suggest_source(file_name: str) -> str:
    """A source named after the file ("sap_orders_2024-03.csv" → "sap-orders"), offered, not
    filled in: taking the previous import's source unseen would key two systems' order
    numbers together, and one order "1001" would overwrite the other's."""
    stem = Path(file_name).stem.lower()
    words = [w for w in re.split(r"[\W_]+", stem) if w and not w.isdigit()]
    return "-".join(words)[:64] or "erp"


def known_sources() -> list[str]:
    """Sources of earlier imports, to pick from when the file comes from one of them."""
    return sorted(set(ImportBatch.objects.values_list("source", flat=True)))


def stored_path(job: ImportJob) -> Path:
    """The upload on this machine's disk (a storage without local paths: see local_file)."""
    try:
        return Path(upload_storage().path(job.stored_as))
    except SuspiciousFileOperation:
        raise ImportFileError(_("The uploaded file is not in the upload folder.")) from None


@contextlib.contextmanager
def local_file(job: ImportJob) -> Iterator[Path]:
    """The upload as a local file for the readers: itself on a local storage, else a copy
    in a private temporary folder, removed afterwards."""
    try:
        yield stored_path(job)
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory(prefix="kam-import-") as folder:
        path = Path(folder) / job.file_name
        with upload_storage().open(job.stored_as, "rb") as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        yield path


def sheet_names(job: ImportJob) -> list[str]:
    if Path(job.file_name).suffix.lower() not in EXCEL_SUFFIXES:
        return []
    try:
        with local_file(job) as path:
            return list(python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names)
    except (python_calamine.CalamineError, OSError, ValueError, ImportFileError):
        return []


def is_text_file(job: ImportJob) -> bool:
    return Path(job.file_name).suffix.lower() in TEXT_SUFFIXES


# --- options --------------------------------------------------------------------------------


def update_options(job: ImportJob, *, mapping: dict[str, str], **options) -> ImportJob:
    """Save what the user chose; another sheet or encoding means other columns to detect."""
    reread = any(
        options.get(name, getattr(job, name)) != getattr(job, name)
        for name in ("sheet", "encoding")
    )
    job.mapping = {} if reread else mapping
    for name, value in options.items():
        setattr(job, name, value)
    if job.state in (ImportJobState.REJECTED, ImportJobState.FAILED):
        job.state = ImportJobState.NEW
    job.save()
    return job


def import_arguments(job: ImportJob) -> dict:
    """The keyword arguments `check_orders` and `import_orders` share, from the job."""
    return {
        "date_order": job.date_order or None,
        "date_format": job.date_format or None,
        "mapping": job.mapping or None,
        "skip_unidentified": job.skip_unidentified,
        "encoding": job.encoding or None,
        "sheet": job.sheet or None,
        "currency": job.currency or None,
    }


# --- inspection -----------------------------------------------------------------------------


@dataclass
class PreviewColumn:
    field: str
    label: str
    header: str  # the file's column it comes from, "" when derived


@dataclass
class Inspection:
    """The file as the import will read it, for the page's mapping, preview and report."""

    error: str = ""
    mapping_error: str = ""
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # column -> field, "" = ignored
    detected: dict[str, str] = field(default_factory=dict)  # the same without user changes
    samples: dict[str, str] = field(default_factory=dict)  # column -> first non-blank value
    encoding: str | None = None
    detected_date_order: str | None = None
    rows: int = 0
    rows_skipped: int = 0
    preview_columns: list[PreviewColumn] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)  # {"row": n, "cells": [...], "bad": bool}
    raw_preview: bool = False
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0

    @property
    def ready(self) -> bool:
        return not self.error and not self.total_problems

    @property
    def rows_to_import(self) -> int:
        """The rows an import would write: the file's data rows less those left out."""
        return self.rows - self.rows_skipped

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    @property
    def problems_shown(self) -> list[Problem]:
        return self.problems[:PROBLEMS_SHOWN]

    @property
    def problems_hidden(self) -> int:
        return self.total_problems - len(self.problems_shown)

    def reason_counts(self) -> list[dict]:
        return problem_summary(self.problems)


def problem_summary(problems: list[Problem]) -> list[dict]:
    """One line per kind of problem: how many, and the reason in the page's own words."""
    rejected = ImportRejected(problems) if problems else None
    if rejected is None:
        return []
    examples = {p.code: p for p in reversed(rejected.problems)}
    return [
        {"count": count, "reason": examples[code].page_reason}
        for code, count in rejected.counts().most_common()
    ]


def inspect(job: ImportJob) -> Inspection:
    """Read, map and check the whole file (no writes), keeping the first rows to show.

    Cached per upload, options and language: a large workbook takes a second or more to
    read, and the page, its report downloads and a reload all need the same answer.
    """
    stamp = job.updated_at.timestamp() if job.updated_at else 0
    parts = f"{job.pk}:{job.stored_as}:{stamp}:{get_language()}"
    key = "kam:import-inspection:" + hashlib.sha256(parts.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _inspect(job)
        cache.set(key, found, INSPECTION_CACHE_SECONDS)
    return found


def _inspect(job: ImportJob) -> Inspection:
    found = Inspection()
    arguments = import_arguments(job)
    try:
        check = _check(job, arguments, found)
    except ImportFileError as error:
        found.error = str(error)
        return found
    table = check.table
    found.columns = table.columns
    found.encoding = table.encoding
    found.rows = table.frame.height
    found.samples = _samples(table.frame)
    detected = detect_mapping(table.columns)
    found.detected = _by_column(table.columns, detected)
    found.mapping = _by_column(table.columns, check.mapping)
    if "order_date" in check.mapping:
        column = table.frame.get_column(check.mapping["order_date"])
        found.detected_date_order = infer_date_order(column.unique())
    found.problems = in_file_order(check.problems)
    found.total_problems = check.total_problems
    if check.prepared is None:
        _raw_preview(found, table.frame)
    else:
        found.rows_skipped = check.prepared.rows_skipped
        _parsed_preview(found, check)
    return found


def _check(job: ImportJob, arguments: dict, found: Inspection) -> OrderCheck:
    with local_file(job) as path:
        try:
            return check_orders(path, **arguments)
        except MappingError as error:
            # The saved mapping no longer fits (another sheet or encoding): show the detection.
            found.mapping_error = str(error)
            return check_orders(path, **{**arguments, "mapping": None})


def _by_column(columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    fields = {column: name for name, column in mapping.items()}
    return {column: fields.get(column, "") for column in columns}


def _samples(frame: pl.DataFrame) -> dict[str, str]:
    head = frame.head(200)
    return {
        column: next((v for v in head.get_column(column).to_list() if v), "")
        for column in frame.columns
        if column != ROW
    }


def _raw_preview(found: Inspection, frame: pl.DataFrame) -> None:
    """Without the required columns nothing can be parsed: show the cells as they are."""
    found.raw_preview = True
    found.preview_columns = [PreviewColumn("", column, column) for column in found.columns]
    for record in frame.head(PREVIEW_ROWS).iter_rows(named=True):
        cells = [_cell(record[c], False) for c in found.columns]
        found.preview.append({"row": record[ROW], "cells": cells, "bad": False})


def _parsed_preview(found: Inspection, check: OrderCheck) -> None:
    """The first lines as kam will store them, with the cells that have a problem marked."""
    lines = check.prepared.lines.head(PREVIEW_ROWS)
    mapping = check.mapping
    shown = [
        name
        for name in lines.columns
        if name != ROW and (name in mapping or lines.get_column(name).is_not_null().any())
    ]
    found.preview_columns = [
        PreviewColumn(name, str(FIELDS[name]), mapping.get(name, "")) for name in shown
    ]
    # A cell kam cannot read shows the text of the file, not what a fallback made of it.
    bad = {(p.row, p.column): p.value for p in check.problems}
    bad_rows = {p.row for p in check.problems}
    for record in lines.iter_rows(named=True):
        row = record[ROW]
        cells = []
        for name in shown:
            where = (row, mapping.get(name))
            if where in bad:
                cells.append(_cell(bad[where], True))
            else:
                cells.append(_cell(_shown(name, record[name]), False))
        found.preview.append({"row": row, "cells": cells, "bad": row in bad_rows})


MONEY_FIELDS = {"amount", "cost", "discount", "paid_amount"}


def _shown(name: str, value) -> str | None:
    """Money with two decimals and thousands separators; quantities without trailing zeros."""
    if isinstance(value, Decimal):
        if name in MONEY_FIELDS:
            return f"{value:,.2f}"
        return format(value.normalize(), "f") if value else "0"
    return value


def _cell(value, bad: bool) -> dict:
    return {"value": "" if value is None else str(value), "bad": bad}


# --- problem reports ------------------------------------------------------------------------


def problems_to_json(problems: list[Problem]) -> list[list]:
    return [[p.row, p.column, p.value, p.code, [list(x) for x in p.params]] for p in problems]


def problems_from_json(rows: list[list]) -> list[Problem]:
    return [
        Problem(row, column, value, code, tuple(tuple(pair) for pair in params))
        for row, column, value, code, params in rows
    ]


# --- running --------------------------------------------------------------------------------


def no_source_reason() -> str:
    return _("Give the source (the system the file comes from) under “1. Columns and options”.")


def blocked_reason(job: ImportJob, inspection: Inspection | None) -> str:
    """Why the import button is disabled now, or "" when an import may start.

    A file the check refuses would only be refused again by the import itself, so the
    button says what to do instead of offering a run that writes nothing.
    """
    if inspection is not None and inspection.error:
        return _("kam cannot read this file; see the message under “1. Columns and options”.")
    if inspection is not None and not inspection.ready:
        return _(
            "The check found problems: correct them (see “3. Check”), and import when the "
            "check passes. An import now would be refused and write nothing."
        )
    if not job.source:
        return no_source_reason()
    return ""


def another_import_active(job: ImportJob) -> bool:
    sweep_dead_imports()
    return ImportJob.objects.filter(lock=True).exclude(pk=job.pk).exists()


def expire_stale_jobs() -> int:
    """Runs whose process died never finish: fail them instead of blocking new ones."""
    return sweep_dead_imports()


def start_import(job: ImportJob, *, background: bool | None = None) -> ImportJob:
    """Take the import lock for the job and queue it for `kam worker`, or run it inline.

    The one service that starts an import of a stored upload as its uploader, for the page
    and the API alike. Inline is for tests (`background=False` or KAM_IMPORT_INLINE).
    Raises ImportBusy (another import holds the lock) or ImportNotReady.
    """
    if job.is_active or job.state == ImportJobState.DONE:
        return job
    if not job.source:
        raise ImportNotReady(no_source_reason())
    reset = {
        "done": 0,
        "total": 0,
        "total_problems": 0,
        "result": {},
        "problems": [],
        "error": "",
        "started_at": None,
        "finished_at": None,
        "batch": None,
        "runner": "",
        "task_id": "",
    }
    if not take_lock(job.pk, state=ImportJobState.QUEUED, **reset):
        job.refresh_from_db()
        return job
    language = translation.get_language()
    if background is None:
        background = not getattr(settings, "KAM_IMPORT_INLINE", False)
    if not background:
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJobState.RUNNING)
        run_import(job.pk, language)
    else:
        transaction.on_commit(lambda: _enqueue(job.pk, language))
    job.refresh_from_db()
    return job  # queued: the page shows the progress bar and starts polling


def _enqueue(job_id: int, language: str) -> None:
    """Queue the job's task and remember its id; a queue that fails frees the lock."""
    from .tasks import import_orders_job

    try:
        result = import_orders_job.enqueue(job_id, language)
    except Exception:
        logger.exception("import job %s could not be queued", job_id)
        release_lock(
            job_id, ImportJobState.FAILED, error=_("The import could not be queued; try again.")
        )
        return
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def run_import(job_id: int, language: str, progress=None) -> None:
    """Run `import_orders` for the job and record how it ended, releasing the import lock.

    A transient database error (connection lost, SQLite busy) rolled the run back and it is
    tried again, up to ATTEMPTS times; anything else is recorded with its reason.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _run_once(job_id, language, progress)
            return
        except OperationalError:
            logger.exception("import job %s: attempt %s met a database error", job_id, attempt)
            if attempt == ATTEMPTS:
                with translation.override(language):
                    release_lock(job_id, ImportJobState.FAILED, error=unexpected_reason())
                return
            time.sleep(attempt)


def unexpected_reason() -> str:
    return _(
        "The import stopped on an unexpected error; the server log has the "
        "details. An import writes all its lines or none."
    )


def _run_once(job_id: int, language: str, progress) -> None:
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    tally = Tally(progress)
    with translation.override(language):
        try:
            with local_file(job) as path:
                result = import_orders(
                    path,
                    source=job.source,
                    user=job.uploaded_by,
                    progress=tally,
                    **import_arguments(job),
                )
        except ImportRejected as rejected:
            release_lock(
                job_id,
                ImportJobState.REJECTED,
                problems=problems_to_json(rejected.problems),
                total_problems=rejected.total_problems,
                error=rejected.headline(),
            )
        except (ImportFileError, MappingError, FileNotFoundError) as error:
            release_lock(job_id, ImportJobState.FAILED, error=str(error))
        except MemoryError:
            from .jobs import memory_reason

            release_lock(job_id, ImportJobState.FAILED, error=memory_reason())
        except OperationalError:
            raise
        except Exception:
            logger.exception("import job %s failed", job_id)
            release_lock(job_id, ImportJobState.FAILED, error=unexpected_reason())
        else:
            release_lock(
                job_id,
                ImportJobState.DONE,
                result=_result_dict(result),
                batch_id=result.batch_id,
                done=tally.done,
                total=tally.total,
            )
            try:
                discard_upload(job)
            except Exception:  # the lines are in: a file left over is only logged
                logger.exception("upload of import job %s not removed", job_id)


def _result_dict(result) -> dict:
    return {
        "lines_added": result.lines_added,
        "lines_updated": result.lines_updated,
        "lines_unchanged": result.lines_unchanged,
        "rows_skipped": result.rows_skipped,
        "accounts_created": len(result.accounts_created),
        "new_accounts": result.accounts_created[:50],
        "months_refreshed": result.months_refreshed,
        "seconds": result.seconds,
        "mapping": result.mapping,
        "revenue": str(result.revenue),
        "uncosted_revenue": str(result.uncosted_revenue),
        "unpaid_data_revenue": str(result.unpaid_data_revenue),
    }


class Tally:
    """The importer's progress callback: keeps the figures and hands them on (to the worker,
    which writes them to the database with its heartbeat)."""

    def __init__(self, forward=None):
        self.done = self.total = 0
        self.forward = forward

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.forward is not None:
            self.forward(done, total)


@dataclass
class Status:
    state: str
    phase: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def status(job: ImportJob) -> Status:
    """Where a run is: checking the file, writing lines (done of total), or refreshing."""
    if not job.is_active:
        return Status(job.state, job.get_state_display(), job.done, job.total)
    if job.state == ImportJobState.QUEUED:
        return Status(job.state, _("Waiting to start…"), 0, 0)
    if not job.total:
        return Status(job.state, _("Reading and checking the file…"), 0, 0)
    done, total = job.done, job.total
    if done < total:
        phase = _("Writing lines: %(done)s of %(total)s…") % {"done": done, "total": total}
    else:
        phase = _("Updating the monthly figures…")
    return Status(job.state, phase, done, total)


# Uploads that will not be imported as they are: never started, refused or failed. A
# refused one is usually uploaded again once corrected; the old copy only holds customer
# data. Imported files are deleted at the end of their import already.
ABANDONED_STATES = (ImportJobState.NEW, ImportJobState.REJECTED, ImportJobState.FAILED)


def delete_abandoned_uploads(before: datetime, *, dry_run: bool = False) -> list[ImportJob]:
    """Delete the uploads left untouched since `before` that were never imported: the file
    and its record. Returns them (not deleted with `dry_run`), oldest first.

    The file goes through this module's one "delete this job's file" function, so the
    cleanup follows wherever uploads are kept.
    """
    jobs = list(
        ImportJob.objects.filter(state__in=ABANDONED_STATES, updated_at__lt=before).order_by(
            "updated_at"
        )
    )
    if dry_run:
        return jobs
    for job in jobs:
        discard_job(job)
    return jobs
