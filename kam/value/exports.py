"""The value analysis as an Excel workbook, for the boss who reads it in Excel."""

from decimal import Decimal

import polars as pl
import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .analytics.analysis import Analysis, to_json
from .analytics.flags import FLAG_LABELS
from .choices import Tier

ACCOUNT_COLUMNS = [
    ("code", gettext_noop("Code")),
    ("name", gettext_noop("Name")),
    ("tier", gettext_noop("Tier")),
    ("score", gettext_noop("Value score")),
    ("revenue", gettext_noop("Revenue")),
    ("cost", gettext_noop("Cost of goods")),
    ("gross_profit", gettext_noop("Gross profit")),
    ("gross_margin", gettext_noop("Gross margin")),
    ("orders", gettext_noop("Orders")),
    ("active_months", gettext_noop("Active months")),
    ("cash_collected", gettext_noop("Cash collected")),
    ("days_to_pay", gettext_noop("Days to pay")),
    ("receivables", gettext_noop("Receivables at period end")),
    ("cost_to_serve", gettext_noop("Cost to serve")),
    ("financing_cost", gettext_noop("Financing cost")),
    ("net_contribution", gettext_noop("Net contribution")),
]
MONEY_KEYS = {
    "revenue",
    "cost",
    "gross_profit",
    "cash_collected",
    "receivables",
    "cost_to_serve",
    "financing_cost",
    "net_contribution",
}


def write_xlsx(analysis: Analysis, path: str) -> None:
    data = to_json(analysis)
    book = xlsxwriter.Workbook(path)
    formats = {
        "money": book.add_format({"num_format": "#,##0.00"}),
        "share": book.add_format({"num_format": "0.0%"}),
        "head": book.add_format({"bold": True, "bottom": 1}),
    }
    _accounts_sheet(book, data, formats)
    _flags_sheet(book, data, formats)
    _health_sheet(book, analysis, formats)
    _frame_sheet(book, _("Pareto"), analysis.revenue_pareto.curve, formats)
    book.close()


def _header(sheet, labels: list[str], fmt) -> None:
    for col, label in enumerate(labels):
        sheet.write(0, col, label, fmt)
    sheet.freeze_panes(1, 0)


def _accounts_sheet(book, data: dict, formats) -> None:
    sheet = book.add_worksheet(_("Accounts"))
    _header(sheet, [_(label) for _key, label in ACCOUNT_COLUMNS] + [_("Flags")], formats["head"])
    for row, account in enumerate(data["accounts"], start=1):
        for col, (key, _label) in enumerate(ACCOUNT_COLUMNS):
            value = account.get(key)
            if key == "tier" and value:
                sheet.write(row, col, str(Tier(value).label))
            elif key in MONEY_KEYS and value is not None:
                sheet.write_number(row, col, float(Decimal(value)), formats["money"])
            elif key == "gross_margin" and value is not None:
                sheet.write_number(row, col, value, formats["share"])
            elif value is not None:
                sheet.write(row, col, value)
        flags = ", ".join(str(FLAG_LABELS[flag["kind"]]) for flag in account["flags"])
        sheet.write(row, len(ACCOUNT_COLUMNS), flags)
    sheet.set_column(0, 1, 18)
    sheet.set_column(2, len(ACCOUNT_COLUMNS), 14)


def _flags_sheet(book, data: dict, formats) -> None:
    sheet = book.add_worksheet(_("False key accounts"))
    _header(sheet, [_("Code"), _("Name"), _("Kind"), _("Why")], formats["head"])
    row = 1
    for account in data["accounts"]:
        for flag in account["flags"]:
            sheet.write_row(
                row, 0, [account["code"], account["name"], flag["kind"], flag["summary"]]
            )
            row += 1
    sheet.set_column(0, 2, 18)
    sheet.set_column(3, 3, 90)


def _health_sheet(book, analysis: Analysis, formats) -> None:
    _frame_sheet(book, _("Health by year"), analysis.health_by_year, formats)


def _frame_sheet(book, title: str, frame: pl.DataFrame, formats) -> None:
    sheet = book.add_worksheet(title[:31])
    _header(sheet, frame.columns, formats["head"])
    for row, values in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(values):
            if isinstance(value, Decimal):
                sheet.write_number(row, col, float(value), formats["money"])
            elif value is not None:
                sheet.write(
                    row, col, value if not hasattr(value, "isoformat") else value.isoformat()
                )
    sheet.set_column(0, max(len(frame.columns) - 1, 0), 16)
