"""The accounts list as an Excel workbook: the rows and columns the list shows, all pages.

Money is written as numbers with two decimals (not as text), so the sheet adds up and
sorts in Excel; shares as percentages; the headers in the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

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
        label = row["tier_label"]
        return _("%(tier)s (set by hand)") % {"tier": label} if row["overridden"] else label
    if column.kind == "flags":
        return ", ".join(flag.label for flag in row["flag_list"])
    value = row[TEXT_KEYS.get(column.key, column.key)]
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.01")))
    return value


def accounts_xlsx(rows: Sequence[dict], columns: Sequence, *, sheet: str) -> bytes:
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True})
    formats = {
        "money": book.add_format({"num_format": "#,##0.00"}),
        "share": book.add_format({"num_format": "0.0%"}),
        "days": book.add_format({"num_format": "0.0"}),
        "count": book.add_format({"num_format": "0"}),
    }
    head = book.add_format({"bold": True, "bottom": 1})
    worksheet = book.add_worksheet(sheet[:31])
    for col, column in enumerate(columns):
        worksheet.write_string(0, col, str(column.label), head)
    for number, row in enumerate(rows, start=1):
        for col, column in enumerate(columns):
            value = cell_value(row, column)
            if value is None or value == "":
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                worksheet.write_number(number, col, value, formats.get(column.kind))
            else:
                worksheet.write_string(number, col, str(value))
    worksheet.freeze_panes(1, 2)
    worksheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    worksheet.set_column(0, 0, 12)
    worksheet.set_column(1, 1, 28)
    worksheet.set_column(2, len(columns) - 1, 14)
    book.close()
    return stream.getvalue()
