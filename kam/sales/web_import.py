"""The import page's steps around the CLI's importer: keep an upload, check it, run it.

The check is `services.check_orders` (the importer's own reader, column detection and row
checks, no writes) and the run is `services.import_orders` itself, so the page shows and
does exactly what `kam import orders` would.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import polars as pl
import python_calamine
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
from .models import ImportBatch, ImportJob, ImportJobState
from .services import OrderCheck, check_orders, import_orders

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 20
PROBLEMS_SHOWN = 100  # on the page; the downloadable report lists every one
INSPECTION_CACHE_SECONDS = 600
# Beyond this a queued or running import is taken to have died with its server process
# (its transaction rolled back); real imports of millions of lines take minutes.
STALE_AFTER = timedelta(hours=1)
PROGRESS_EVERY_SECONDS = 0.2
ROW = "__row"


class UploadError(Exception):
    """An upload the page refuses before keeping it; the message says why."""


class ImportBusy(Exception):
    """Another import is queued or running: on SQLite the second would only wait, then fail."""


class ImportNotReady(Exception):
    """The page's own choices are incomplete (no source yet): nothing was started."""


# --- uploads --------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "KAM_IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def upload_root() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


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


def save_upload(uploaded, user) -> ImportJob:
    """Keep the file in a folder of its own under the upload folder; it is only ever read."""
    check_upload(uploaded.name, uploaded.size, uploaded)
    name = safe_file_name(uploaded.name)
    folder = upload_root() / f"{timezone.now():%Y%m%d}-{secrets.token_hex(8)}"
    folder.mkdir(mode=0o700, parents=True)
    path = folder / name
    with path.open("xb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    os.chmod(path, 0o600)
    return ImportJob.objects.create(
        uploaded_by=user,
        file_name=name,
        stored_as=f"{folder.name}/{name}",
        size=path.stat().st_size,
        source="",  # chosen on the page: lines are keyed by source, order and line number
    )


def discard_upload(job: ImportJob) -> None:
    """Remove an imported file and its folder: its lines are in the database now, and an
    ERP export full of customer data should not lie around twice."""
    path = stored_path(job)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty or already gone: leave it
        path.parent.rmdir()


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
    root = upload_root().resolve()
    path = (root / job.stored_as).resolve()
    if root not in path.parents:
        raise ImportFileError(_("The uploaded file is not in the upload folder."))
    return path


def sheet_names(job: ImportJob) -> list[str]:
    if Path(job.file_name).suffix.lower() not in EXCEL_SUFFIXES:
        return []
    try:
        return list(python_calamine.CalamineWorkbook.from_path(str(stored_path(job))).sheet_names)
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
    path = stored_path(job)
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
    expire_stale_jobs()
    active = [ImportJobState.QUEUED, ImportJobState.RUNNING]
    return ImportJob.objects.filter(state__in=active).exclude(pk=job.pk).exists()


def expire_stale_jobs() -> int:
    """Runs whose server process died never finish; say so instead of blocking new ones."""
    cutoff = timezone.now() - STALE_AFTER
    return ImportJob.objects.filter(
        state__in=[ImportJobState.QUEUED, ImportJobState.RUNNING], updated_at__lt=cutoff
    ).update(
        state=ImportJobState.FAILED,
        finished_at=timezone.now(),
        error=_("The import was interrupted (the server stopped?). Nothing was written."),
    )


def start_import(job: ImportJob, *, background: bool | None = None) -> ImportJob:
    """Queue the import and run it: in a thread of its own, or inline when told to.

    Inline is for tests (`background=False` or the setting KAM_IMPORT_INLINE); the page
    itself always runs imports in the background so it can show their progress.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.is_active or job.state == ImportJobState.DONE:
            return job
        if not job.source:
            raise ImportNotReady(no_source_reason())
        if another_import_active(job):
            raise ImportBusy(_("Another import is running. Try again when it has finished."))
        _reset(job)
    Progress(job.pk).clear()
    language = translation.get_language()
    if background is None:
        background = not getattr(settings, "KAM_IMPORT_INLINE", False)
    if not background:
        run_import(job.pk, language)
        job.refresh_from_db()
        return job
    thread = threading.Thread(
        target=_run_in_thread, args=(job.pk, language), name=f"kam-import-{job.pk}", daemon=True
    )
    transaction.on_commit(thread.start)
    return job  # as queued, so the page shows the progress bar and starts polling


def _reset(job: ImportJob) -> None:
    job.state = ImportJobState.QUEUED
    job.done = job.total = job.total_problems = 0
    job.result, job.problems, job.error = {}, [], ""
    job.started_at = job.finished_at = job.batch = None
    job.save()


def _run_in_thread(job_id: int, language: str) -> None:
    """The thread's own database connection is closed at the end, or it would leak."""
    try:
        run_import(job_id, language)
    except Exception:
        logger.exception("import job %s crashed", job_id)
    finally:
        connection.close()


def run_import(job_id: int, language: str) -> None:
    """Run `import_orders` for the job and record how it ended."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJobState.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    progress = Progress(job_id)
    with translation.override(language):
        try:
            result = import_orders(
                stored_path(job),
                source=job.source,
                user=job.uploaded_by,
                progress=progress,
                **import_arguments(job),
            )
        except ImportRejected as rejected:
            _finish(
                job_id,
                ImportJobState.REJECTED,
                problems=problems_to_json(rejected.problems),
                total_problems=rejected.total_problems,
                error=rejected.headline(),
            )
        except (ImportFileError, MappingError) as error:
            _finish(job_id, ImportJobState.FAILED, error=str(error))
        except Exception:
            logger.exception("import job %s failed", job_id)
            _finish(
                job_id,
                ImportJobState.FAILED,
                error=_(
                    "The import stopped on an unexpected error; the server log has the "
                    "details. An import writes all its lines or none."
                ),
            )
        else:
            from kam.value.services import prepare_snapshots

            prepare_snapshots()  # so the dashboard opened next shows the new figures at once
            discard_upload(job)
            _finish(
                job_id,
                ImportJobState.DONE,
                result=_result_dict(result),
                batch_id=result.batch_id,
                done=progress.done,
                total=progress.total,
            )
        finally:
            progress.clear()


def _finish(job_id: int, state: str, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        state=state, finished_at=timezone.now(), updated_at=timezone.now(), **fields
    )


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


class Progress:
    """Lines written so far, passed from the import to whichever process answers the poll.

    Not through the database: the import holds its transaction (on SQLite, the database's
    only write lock) until it ends, so nothing written there in between would be seen.
    """

    def __init__(self, job_id: int):
        self.path = upload_root() / "progress" / f"{job_id}.json"
        self.done = self.total = 0
        self._written_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if done >= total or now - self._written_at >= PROGRESS_EVERY_SECONDS:
            self._written_at = now
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".part")
            partial.write_text(json.dumps({"done": done, "total": total}))
            os.replace(partial, self.path)

    def read(self) -> tuple[int, int] | None:
        try:
            figures = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return figures["done"], figures["total"]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


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
    figures = Progress(job.pk).read()
    if job.state == ImportJobState.QUEUED:
        return Status(job.state, _("Waiting to start…"), 0, 0)
    if figures is None:
        return Status(job.state, _("Reading and checking the file…"), 0, 0)
    done, total = figures
    if done < total:
        phase = _("Writing lines: %(done)s of %(total)s…") % {"done": done, "total": total}
    else:
        phase = _("Updating the monthly figures…")
    return Status(job.state, phase, done, total)
