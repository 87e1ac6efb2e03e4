"""What an import found wrong, in words a user can act on: row, column, value, reason."""

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.spreadsheets import Column, Workbook, csv_bytes

# Reasons are lazy so a report built in one language can be shown in another.
# One reason per kind of problem; where the remedy is a control, it is named as the place
# the reader is in names it: the import page's own fields, or the command's options.
PAGE, CLI = "page", "cli"
DATE_FORMAT_EXAMPLE = "%d.%m.%Y"


@dataclass(frozen=True)
class Reason:
    page: object  # lazy text
    cli: object

    @classmethod
    def same(cls, text) -> "Reason":
        """A reason that names no control reads the same everywhere."""
        return cls(text, text)


REASONS = {
    "missing": Reason.same(gettext_lazy("is empty, but this column is required")),
    "money": Reason.same(gettext_lazy("is not a number or an amount of money")),
    "percent": Reason.same(gettext_lazy("is not a percentage")),
    "integer": Reason.same(gettext_lazy("is not a positive whole number")),
    "date": Reason(
        gettext_lazy(
            "is not a date kam can read: give its format under “Date format” above, "
            "e.g. %(example)s"
        ),
        gettext_lazy("is not a date kam can read (give its format with --date-format)"),
    ),
    "not_in_format": Reason(
        gettext_lazy("does not match the date format %(format)s given under “Date format”"),
        gettext_lazy("does not match the date format %(format)s given with --date-format"),
    ),
    "impossible_date": Reason.same(
        gettext_lazy("is not a date that exists: check its month and day")
    ),
    "ambiguous_date": Reason(
        gettext_lazy(
            "is ambiguous: the day and the month could be either way round "
            "(choose the “Date order” above)"
        ),
        gettext_lazy(
            "is ambiguous: the day and the month could be either way round "
            "(say which with --date-order MDY or --date-order DMY)"
        ),
    ),
    "implausible_date": Reason.same(gettext_lazy("is a date outside the years 1900–2100")),
    "no_customer": Reason(
        gettext_lazy(
            "has neither a customer code nor a customer name (tick “Leave out rows without "
            "a customer” above to leave such rows out)"
        ),
        gettext_lazy(
            "has neither a customer code nor a customer name "
            "(--skip-unidentified leaves such rows out)"
        ),
    ),
    "duplicate": Reason.same(gettext_lazy("repeats an order line already on row %(first_row)s")),
    "too_long": Reason.same(gettext_lazy("is longer than %(max)s characters")),
    "too_large": Reason.same(
        gettext_lazy("is larger than %(max)s, the largest figure kam stores exactly here")
    ),
    "month_too_large": Reason.same(
        gettext_lazy(
            "brings this column's total for %(customer)s in %(month)s to %(total)s, more "
            "than %(max)s, the largest monthly figure kam stores exactly"
        )
    ),
    "control_character": Reason.same(
        gettext_lazy(
            "contains an invisible control character (%(character)s) that kam does not "
            "store; remove it in the file"
        )
    ),
    # xgettext:no-python-format
    "rate_too_high": Reason.same(gettext_lazy("is a discount rate of 100% or more")),
    "no_amount": Reason.same(
        gettext_lazy("is empty and cannot be computed from quantity × unit price")
    ),
    "missing_column": Reason(
        gettext_lazy(
            "no column of the file is recognised as this; choose the column for "
            "“%(field)s” in the table above"
        ),
        gettext_lazy(
            "no column of the file is recognised as this; name it with --map HEADER=%(field)s"
        ),
    ),
}


@dataclass(frozen=True)
class Problem:
    row: int | None  # the row number as the user sees it in the file; None for the whole file
    column: str  # the header in the file, or the field's name when the column is missing
    value: str
    code: str  # a key of REASONS
    params: tuple[tuple[str, object], ...] = ()

    def reason_for(self, wording: str = CLI) -> str:
        """The reason in the words of the page (PAGE) or of the command line (CLI)."""
        text = str(getattr(REASONS[self.code], wording))
        values = {"example": DATE_FORMAT_EXAMPLE, **dict(self.params)}
        return text % values if "%(" in text else text

    @property
    def reason(self) -> str:
        return self.reason_for(CLI)

    @property
    def page_reason(self) -> str:
        return self.reason_for(PAGE)


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Whole-file problems first, then by row and column, as a reader goes through the file."""
    return sorted(problems, key=lambda p: (p.row or 0, p.column))


class ImportRejected(Exception):
    """Raised when a file has rows kam cannot use; nothing has been written."""

    def __init__(self, problems: list[Problem], *, total_problems: int | None = None):
        self.problems = in_file_order(problems)
        self.total_problems = total_problems if total_problems is not None else len(problems)
        super().__init__(self.headline())

    def headline(self) -> str:
        rows = {p.row for p in self.problems if p.row is not None}
        return _(
            "The import was refused: %(problems)s problem(s) in %(rows)s row(s). "
            "Nothing was written."
        ) % {"problems": self.total_problems, "rows": len(rows)}

    def counts(self) -> Counter:
        """How many problems of each kind among those kept (a file may hold thousands)."""
        return Counter(p.code for p in self.problems)

    def lines(self, limit: int | None = 50) -> list[str]:
        shown = self.problems if limit is None else self.problems[:limit]
        out = [self.headline()]
        examples = {p.code: p for p in reversed(self.problems)}
        for code, count in self.counts().most_common():
            reason = examples[code].reason
            out.append(_("  %(count)s × %(reason)s") % {"count": count, "reason": reason})
        for p in shown:
            where = _("row %(row)s") % {"row": p.row} if p.row is not None else _("file")
            out.append(
                _('%(where)s, column "%(column)s", value "%(value)s": %(reason)s')
                % {"where": where, "column": p.column, "value": p.value, "reason": p.reason}
            )
        hidden = self.total_problems - len(shown)
        if hidden > 0:
            out.append(_("… and %(count)s more.") % {"count": hidden})
        return out

    def as_csv(self) -> bytes:
        """The problem report that `kam import orders --report FILE` writes."""
        return report_csv(self.problems, self.total_problems)


# --- problem reports ------------------------------------------------------------------------
# The page's download and the CLI's --report write the same table. Its cells come from the
# user's file, so they are written by kam.core.spreadsheets and cannot run as formulas.


def report_table(problems: list[Problem], total: int, wording: str = CLI) -> list[list]:
    """Header and one row per problem, in the current language; a last line if cut short."""
    table = [[_("Row"), _("Column"), _("Value"), _("Reason")]]
    table += [
        [p.row if p.row is not None else "", p.column, p.value, p.reason_for(wording)]
        for p in in_file_order(problems)
    ]
    if total > len(problems):
        table.append(["", "", "", _("… and %(count)s more.") % {"count": total - len(problems)}])
    return table


def report_csv(problems: list[Problem], total: int, wording: str = CLI) -> bytes:
    """The report as CSV, UTF-8 with a byte order mark so Excel shows Chinese text."""
    return csv_bytes(report_table(problems, total, wording))


def report_xlsx(problems: list[Problem], total: int, wording: str = CLI) -> bytes:
    """The report as an Excel workbook: row numbers as numbers, the file's text as text."""
    header, *rows = report_table(problems, total, wording)
    widths = [8, 22, 22, 70]
    book = Workbook()
    sheet = book.sheet(_("Problems"), [Column(h, w) for h, w in zip(header, widths, strict=True)])
    for row in rows:
        sheet.append(row)
    return book.close()
