"""The accounts list as an Excel workbook: the rows and columns the list shows, all pages.

Money is written as numbers with two decimals (not as text), so the sheet adds up and
sorts in Excel; shares as percentages; the headers in the reader's language. The cells
are written by `kam.core.spreadsheets`, so no account name can run as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kam.core.spreadsheets import DEFAULT_WIDTH, NUMBER_FORMATS, Column, Workbook
from kam.web.tiers import tier_text

TEXT_KEYS = {
    "tier": "tier_label",
    "region": "region",
    "owner": "owner",
    "sales_stage": "sales_stage_label",
    "relationship_stage": "relationship_stage_label",
    "group": "group",
}


def cell_value(row: dict, column) -> str | float | int | None:
    """The value a cell holds: numbers for figures, labels for choices and flags."""
    if column.kind == "tier":
        return (
            tier_text(row["tier"], row["overridden"], row.get("held_tier")) if row["tier"] else ""
        )
    if column.kind == "flags":
        return ", ".join(flag.label for flag in row["flag_list"])
    value = row[TEXT_KEYS.get(column.key, column.key)]
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.01")))
    return value


def accounts_xlsx(rows: Sequence[dict], columns: Sequence, *, sheet: str) -> bytes:
    """The list's columns, code and name kept in view; a figure's kind picks its format."""
    book = Workbook()
    widths = [12, 28]
    sheet_columns = [
        Column(
            column.label,
            widths[index] if index < len(widths) else DEFAULT_WIDTH,
            column.kind if column.kind in NUMBER_FORMATS else None,
        )
        for index, column in enumerate(columns)
    ]
    out = book.sheet(sheet, sheet_columns, freeze_columns=2, autofilter=True)
    for row in rows:
        out.append(cell_value(row, column) for column in columns)
    return book.close()
