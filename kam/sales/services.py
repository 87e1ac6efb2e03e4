"""Writes to sales data: importing order lines and keeping the monthly rollup current."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kam.core import versions
from kam.core.currency import CurrencyMismatch, check_import_currency

from .importing import writer
from .importing.columns import ColumnMapping, detect_mapping
from .importing.pipeline import (
    LIMITS,
    Options,
    Prepared,
    limit_text,
    prepare,
    reported_column,
)
from .importing.readers import ImportFileError, RawTable, read_table
from .importing.report import ImportRejected, Problem
from .models import ImportBatch
from .signals import announce_import

__all__ = [
    "ImportRejected",
    "ImportResult",
    "OrderCheck",
    "check_orders",
    "import_orders",
    "refresh_rollup",
]


@dataclass
class ImportResult:
    lines_added: int = 0
    lines_updated: int = 0
    lines_unchanged: int = 0
    rows_skipped: int = 0
    accounts_created: list[str] = field(default_factory=list)
    months_refreshed: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    batch_id: int | None = None
    revenue: Decimal = Decimal("0.00")
    uncosted_revenue: Decimal = Decimal("0.00")
    """The file's revenue, and the part of it whose lines carry no cost: its gross profit
    is unknown, not the revenue in full (the result says so instead of staying silent)."""
    unpaid_data_revenue: Decimal = Decimal("0.00")
    """The part of the file's revenue whose lines carry no payment data."""
    locked_seconds: float | None = None
    """SQLite: how long the import held the database's write lock (its final transaction)."""


class _DryRun(Exception):
    """Unwinds the transaction of a dry run after everything has been counted."""


def import_orders(
    path: str | Path,
    *,
    source: str = "erp",
    date_order: str | None = None,
    date_format: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_unidentified: bool = False,
    dry_run: bool = False,
    encoding: str | None = None,
    sheet: str | int | None = None,
    currency: str | None = None,
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import an ERP export all-or-nothing.

    Raises ImportRejected (with the row-level report) when any row cannot be used; then,
    as after any exception on the way, the database is exactly as before.
    `progress(done, total)` is called as lines are written.
    """
    started = time.perf_counter()
    path = Path(path)
    check = check_orders(
        path,
        date_order=date_order,
        date_format=date_format,
        mapping=mapping,
        skip_unidentified=skip_unidentified,
        encoding=encoding,
        sheet=sheet,
        currency=currency,
    )
    if check.problems:
        raise ImportRejected(check.problems, total_problems=check.total_problems)
    prepared = check.prepared
    result = ImportResult(
        rows_skipped=prepared.rows_skipped,
        dry_run=dry_run,
        mapping=check.mapping,
        **_revenue_without(prepared.lines),
    )
    try:
        if connection.vendor == "sqlite":
            _write_staged(prepared.lines, path, source, user, result, progress, dry_run)
        else:
            with transaction.atomic():
                _write(prepared.lines, path, source, user, result, progress)
                if dry_run:
                    raise _DryRun
    except _DryRun:
        result.batch_id = None
    except writer.MonthTooLarge as over:
        problems = _month_problems(over, check.mapping)
        raise ImportRejected(problems) from None
    result.seconds = round(time.perf_counter() - started, 3)
    if not dry_run:
        ImportBatch.objects.filter(pk=result.batch_id).update(seconds=result.seconds)
        announce_import(result.batch_id, source)
    return result


def _month_problems(over: "writer.MonthTooLarge", mapping) -> list[Problem]:
    """The rows whose account-month, with the lines already stored, exceeds the limit."""
    problems = []
    for row, name, value, customer, month, total in over.rows:
        params = {
            "customer": customer,
            "month": month,
            "total": f"{Decimal(str(total)):,.2f}",
            "max": limit_text(LIMITS[name]),
        }
        column = reported_column(name, mapping) or name
        problems.append(
            Problem(row, column, value or "", "month_too_large", tuple(sorted(params.items())))
        )
    return problems


def _revenue_without(lines: pl.DataFrame) -> dict[str, Decimal]:
    """The lines' revenue, and how much of it has no cost and no payment data."""
    amount = pl.col("amount")
    row = lines.select(
        revenue=amount.sum(),
        uncosted_revenue=pl.when(pl.col("cost").is_null()).then(amount).otherwise(0).sum(),
        unpaid_data_revenue=pl.when(pl.col("paid_amount").is_null())
        .then(amount)
        .otherwise(0)
        .sum(),
    ).row(0, named=True)
    return {key: Decimal(value or 0).quantize(Decimal("0.01")) for key, value in row.items()}


def _write(lines: pl.DataFrame, path: Path, source, user, result: ImportResult, progress) -> None:
    """Everything in the caller's transaction: PostgreSQL (COPY), and dry runs."""
    batch = ImportBatch.objects.create(source=source, file_name=path.name, imported_by=user)
    lines, result.accounts_created = writer.resolve_accounts(lines)
    diff = writer.diff_lines(lines, source)
    advance = _Advance(diff, progress)
    writer.insert_lines(diff.new, source=source, batch_id=batch.pk, progress=advance)
    _finish_write(batch, diff, result, advance)


def _write_staged(
    lines: pl.DataFrame, path: Path, source, user, result: ImportResult, progress, dry_run
) -> None:
    """SQLite: plan and stage the new lines holding no lock, then one short transaction
    (see writer's "staging"). Should accounts or lines change in between, that
    transaction works the import out again itself, as `_write` does. A dry run unwinds
    that transaction at its end, so it too holds the lock only that long."""
    plan = writer.plan_import(lines, source, versions.stamps()[versions.ROLLUP])
    advance = _Advance(plan.diff, progress)
    with writer.staged(plan, progress=advance):
        locked = time.perf_counter()
        with transaction.atomic():
            batch = ImportBatch.objects.create(source=source, file_name=path.name, imported_by=user)
            stamp = versions.stamps()[versions.ROLLUP]
            try:
                with transaction.atomic():
                    diff, result.accounts_created = writer.apply_plan(
                        plan, source=source, batch_id=batch.pk, stamp=stamp
                    )
            except writer.StalePlan:
                resolved, result.accounts_created = writer.resolve_accounts(lines)
                diff = writer.diff_lines(resolved, source)
                writer.insert_lines(diff.new, source=source, batch_id=batch.pk)
            _finish_write(batch, diff, result, advance)
            if dry_run:
                result.locked_seconds = round(time.perf_counter() - locked, 3)
                raise _DryRun
        result.locked_seconds = round(time.perf_counter() - locked, 3)  # commit included


class _Advance:
    """progress(done, total) over the lines to write: new ones as they are written (or
    staged), changed ones at once."""

    def __init__(self, diff: "writer.Diff", progress):
        self.total = diff.new.height + diff.changed.height
        self.done = 0
        self.progress = progress

    def __call__(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done, self.total)


def _finish_write(batch: ImportBatch, diff: "writer.Diff", result: ImportResult, advance) -> None:
    """Changed lines, the rollup and the batch's figures: the end of every import."""
    writer.update_lines(diff.changed, batch_id=batch.pk)
    advance(diff.changed.height)
    result.months_refreshed = writer.refresh_after_import(diff)
    versions.bump(versions.ROLLUP, versions.VALUE)
    result.lines_added = diff.new.height
    result.lines_updated = diff.changed.height
    result.lines_unchanged = diff.unchanged
    result.batch_id = batch.pk
    # updated_at: when its writing ended, so no line it wrote is newer (the API's
    # updated_since finds changed lines through their batch: kam.sales.api).
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now(),
        lines_added=result.lines_added,
        lines_updated=result.lines_updated,
        lines_unchanged=result.lines_unchanged,
        rows_skipped=result.rows_skipped,
        accounts_created=len(result.accounts_created),
        months_refreshed=result.months_refreshed,
    )


def refresh_rollup(account_ids: list[int], months: list) -> int:
    """Recompute the rollup for these accounts and months (e.g. after editing lines by hand)."""
    pairs = pl.DataFrame(
        [(a, m) for a in account_ids for m in months],
        schema={"account_id": pl.Int64, "month": pl.Date},
        orient="row",
    )
    with transaction.atomic():
        written = writer.refresh_rollup(pairs)
        versions.bump(versions.ROLLUP)
    return written


@dataclass
class OrderCheck:
    """What `import_orders` would read from a file, checked but not written."""

    table: RawTable
    mapping: ColumnMapping
    prepared: Prepared | None  # None when required columns are missing
    problems: list[Problem]
    total_problems: int


def check_orders(
    path: str | Path,
    *,
    date_order: str | None = None,
    date_format: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_unidentified: bool = False,
    encoding: str | None = None,
    sheet: str | int | None = None,
    currency: str | None = None,
) -> OrderCheck:
    """The steps of `import_orders` before any write, for a page that shows them first.

    Raises ImportFileError or MappingError like `import_orders`; bad rows are returned, not
    raised, so that they can be listed while the file is being prepared. A file declared in
    another `currency` than the company's is refused before it is read (nothing converts).
    """
    try:
        check_import_currency(currency, settings.KAM_CURRENCY)
    except CurrencyMismatch as mismatch:
        raise ImportFileError(str(mismatch)) from None
    table = read_table(Path(path), encoding=encoding, sheet=sheet)
    columns = detect_mapping(table.columns, mapping)
    options = Options(
        date_order=date_order,
        date_format=date_format,
        skip_unidentified=skip_unidentified,
        time_zone=settings.TIME_ZONE,
    )
    prepared = prepare(table.frame, columns, options)
    if isinstance(prepared, list):
        return OrderCheck(table, columns, None, prepared, len(prepared))
    return OrderCheck(table, columns, prepared, prepared.problems, prepared.total_problems)
