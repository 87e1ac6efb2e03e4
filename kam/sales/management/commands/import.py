"""`kam import orders PATH`: load an ERP export of order lines (CSV or Excel)."""

import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.management.base import KamCommand
from kam.sales.importing.columns import MappingError
from kam.sales.importing.readers import ImportFileError
from kam.sales.services import ImportRejected, import_orders
from kam.web.formatting import exact_amount, percent


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep:
            raise CommandError(_("--map takes HEADER=FIELD, not %(pair)s") % {"pair": pair})
        mapping[header.strip()] = field.strip()
    return mapping


SHOWN = 50  # problems listed on the terminal; --report has them all


def _problem_lines(rejected: ImportRejected) -> list[str]:
    """The report of a refused import, each problem once: without its headline (the
    error printed last says it), and without the count per kind when every problem is
    listed anyway (the counts only summarise what the list leaves out)."""
    lines = rejected.lines(limit=SHOWN)[1:]
    if rejected.total_problems <= min(SHOWN, len(rejected.problems)):
        lines = lines[len(rejected.counts()) :]
    return lines


class Command(KamCommand):
    help = gettext_lazy(
        "Import order lines exported from an ERP (CSV or Excel): kam import orders FILE."
    )

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(
            dest="kind",
            required=True,
            title=_("what to import"),
            metavar="orders",
            help=_("kam import orders --help explains the options"),
        )
        orders = kinds.add_parser(
            "orders",
            help=_("order lines (.csv, .xlsx, .xls)"),
            description=_(
                "Load order lines from an ERP export; every row is checked first and "
                "nothing is written while a row has a problem."
            ),
        )
        orders.add_argument("path", help=_("the file: .csv, .xlsx or .xls"))
        orders.add_argument(
            "--source",
            default="erp",
            help=_(
                "the system the file comes from (default erp); lines are told apart by "
                "source, order number and line number"
            ),
        )
        orders.add_argument(
            "--date-order",
            choices=["MDY", "DMY", "YMD"],
            type=str.upper,
            help=_("how to read dates like 03/05/2024: month-day-year, day-month-year …"),
        )
        orders.add_argument("--date-format", help=_("e.g. %%d.%%m.%%Y for dates like 05.03.2024"))
        orders.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help=_(
                "read this column as this field, when kam does not recognise the header "
                "(repeat for several)"
            ),
        )
        orders.add_argument(
            "--skip-unidentified",
            action="store_true",
            help=_("skip rows with neither a customer code nor a name, instead of refusing"),
        )
        orders.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check the file and say what the import would do; write nothing"),
        )
        orders.add_argument(
            "--encoding", help=_("the text encoding of a CSV, e.g. gbk (default: detected)")
        )
        orders.add_argument(
            "--sheet", help=_("the Excel sheet, by name or number (default: the first)")
        )
        orders.add_argument("--report", metavar="CSV", help=_("write the problem report here"))
        orders.add_argument(
            "--currency",
            type=str.upper,
            help=_(
                "the currency of the file's amounts (ISO 4217, default the company's: "
                "KAM_CURRENCY); a file in another currency is refused, kam converts nothing"
            ),
        )
        orders.add_argument(
            "--lang", choices=["zh-hans", "en"], help=_("language of the help and the report")
        )
        access.add_as_argument(orders)

    def handle(self, *args, **options):
        with translation.override(options["lang"] or translation.get_language()):
            return self._orders(options)

    def _orders(self, options) -> None:
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit=_("lines"), disable=not sys.stderr.isatty())
            bar.update(done - bar.n)

        user = None if options["dry_run"] else access.cli_user(options["as_user"], Action.IMPORT)
        try:
            result = import_orders(
                options["path"],
                source=options["source"],
                date_order=options["date_order"],
                date_format=options["date_format"],
                mapping=_mapping(options["map"]),
                skip_unidentified=options["skip_unidentified"],
                dry_run=options["dry_run"],
                encoding=options["encoding"],
                sheet=int(options["sheet"])
                if (options["sheet"] or "").isdigit()
                else options["sheet"],
                currency=options["currency"],
                progress=progress,
                user=user,
            )
        except ImportRejected as rejected:
            if options["report"]:
                with open(options["report"], "wb") as out:
                    out.write(rejected.as_csv())
            self.stderr.write("\n".join(_problem_lines(rejected)))
            raise CommandError(rejected.headline()) from None
        except (ImportFileError, MappingError) as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
        self._summary(result)
        if not result.dry_run:
            from kam.value.services import prepare_snapshots

            seconds = prepare_snapshots()
            self.stdout.write(
                _("Analysis data prepared in %(seconds).1f s.") % {"seconds": seconds}
            )

    def _summary(self, result) -> None:
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing was written. The import would give:"))
        mapped = ", ".join(f"{header} → {field}" for field, header in result.mapping.items())
        self.stdout.write(_("Columns: %(mapped)s") % {"mapped": mapped})
        figures = [
            (_("lines added"), result.lines_added),
            (_("lines updated"), result.lines_updated),
            (_("lines unchanged"), result.lines_unchanged),
            (_("rows skipped (no customer)"), result.rows_skipped),
            (_("accounts created"), len(result.accounts_created)),
            (_("account-months refreshed"), result.months_refreshed),
            (_("seconds"), result.seconds),
        ]
        for label, value in figures:
            self.stdout.write(f"  {label}: {value}")
        for line in unknown_notes(result):
            self.stdout.write(line)
        if result.accounts_created:
            names = ", ".join(result.accounts_created[:20])
            more = len(result.accounts_created) - 20
            suffix = _(" and %(count)s more") % {"count": more} if more > 0 else ""
            self.stdout.write(_("New accounts: %(names)s") % {"names": names + suffix})


def unknown_notes(result) -> list[str]:
    """What the file lacks, in figures: revenue without cost (its gross profit is unknown,
    not 100%) and without payment data (what is owed on it is unknown, not 0)."""
    notes = []
    if not result.revenue:
        return notes
    lacking = (
        (
            result.uncosted_revenue,
            _(
                "Revenue without cost: %(amount)s of %(revenue)s (%(share)s); its gross profit is unknown."
            ),
        ),
        (
            result.unpaid_data_revenue,
            _(
                "Revenue without payment data: %(amount)s of %(revenue)s (%(share)s); "
                "what is owed on it is unknown."
            ),
        ),
    )
    for amount, text in lacking:
        if amount:
            notes.append(
                text
                % {
                    "amount": exact_amount(amount, settings.KAM_CURRENCY),
                    "revenue": exact_amount(result.revenue, settings.KAM_CURRENCY),
                    "share": percent(amount / result.revenue),
                }
            )
    return notes
