"""Writes to sales data: importing order lines and keeping the monthly rollup current."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


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
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import an ERP export all-or-nothing; raises ImportRejected with the row-level report."""
    raise NotImplementedError
