"""The value analysis as an Excel workbook, for the boss who reads it in Excel.

Cells are written by `kam.core.spreadsheets`, so no customer name can run as a formula.
"""

from decimal import Decimal

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kam.core.spreadsheets import DEFAULT_WIDTH, Column, Workbook
from kam.web.tiers import tier_text

from .analytics.analysis import Analysis, to_json
from .analytics.flags import FLAG_LABELS

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
    ("revenue_prev", gettext_noop("Revenue in the previous period")),
    ("growth", gettext_noop("Growth on the previous period")),
    ("cash_collected", gettext_noop("Cash collected")),
    ("days_to_pay", gettext_noop("Days to pay")),
    ("receivables", gettext_noop("Receivables at period end")),
    ("cost_to_serve", gettext_noop("Cost to serve")),
    ("financing_cost", gettext_noop("Financing cost")),
    ("net_contribution", gettext_noop("Net contribution")),
]
MONEY_KEYS = {
    "revenue",
    "revenue_prev",
    "cost",
    "gross_profit",
    "cash_collected",
    "receivables",
    "cost_to_serve",
    "financing_cost",
    "net_contribution",
}
NUMBER_KEYS = {**dict.fromkeys(MONEY_KEYS, "money"), "gross_margin": "share", "growth": "share"}


def write_xlsx(analysis: Analysis, path: str) -> None:
    """Accounts, false key accounts, health by year and the Pareto curve, a sheet each."""
    data = to_json(analysis)
    book = Workbook(path)
    _accounts_sheet(book, data)
    _flags_sheet(book, data)
    _frame_sheet(book, _("Health by year"), analysis.health_by_year)
    _frame_sheet(book, _("Pareto"), analysis.revenue_pareto.curve)
    book.close()


def _accounts_sheet(book: Workbook, data: dict) -> None:
    columns = [
        Column(_(label), 18 if index < 2 else DEFAULT_WIDTH, NUMBER_KEYS.get(key))
        for index, (key, label) in enumerate(ACCOUNT_COLUMNS)
    ]
    sheet = book.sheet(_("Accounts"), [*columns, Column(_("Flags"))])
    for account in data["accounts"]:
        flags = ", ".join(str(FLAG_LABELS[flag["kind"]]) for flag in account["flags"])
        sheet.append([*(_account_value(account, key) for key, _label in ACCOUNT_COLUMNS), flags])


def _account_value(account: dict, key: str):
    """to_json gives money as decimal strings and the tier as its key; the sheet wants
    numbers and the tier's name."""
    value = account.get(key)
    if value is None:
        return None
    if key == "tier":
        return tier_text(value, account.get("tier_set_by_hand", False))
    if key in MONEY_KEYS:
        return Decimal(value)
    return value


def _flags_sheet(book: Workbook, data: dict) -> None:
    columns = [Column(_("Code"), 18), Column(_("Name"), 18), Column(_("Kind"), 18)]
    sheet = book.sheet(_("False key accounts"), [*columns, Column(_("Why"), 90)])
    for account in data["accounts"]:
        for flag in account["flags"]:
            sheet.append([account["code"], account["name"], flag["kind"], flag["summary"]])


def _frame_sheet(book: Workbook, title: str, frame: pl.DataFrame) -> None:
    """A frame as it is: its columns' names as headers, decimals as money."""
    columns = [
        Column(name, 16, "money" if isinstance(dtype, pl.Decimal) else None)
        for name, dtype in frame.schema.items()
    ]
    sheet = book.sheet(title, columns)
    for values in frame.iter_rows():
        sheet.append(values)
