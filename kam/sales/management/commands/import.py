"""`kam import orders PATH`: load an ERP export of order lines (CSV or Excel)."""

import logging
import os
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
from kam.sales import jobs
from kam.sales.choices import ImportOrigin
from kam.sales.importing.columns import MappingError
from kam.sales.importing.readers import ImportFileError
from kam.sales.models import ImportJobState
from kam.sales.services import ImportRejected, import_orders
from kam.sales.web_import import problems_to_json, unexpected_reason
from kam.web.formatting import exact_amount, percent

logger = logging.getLogger(__name__)
# The exit code when another import holds the lock: EX_TEMPFAIL, "try again later".
BUSY_EXIT_CODE = 75


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
        """A dry run writes nothing and runs at once; an import first takes the import lock
        (shared with the page and the API) and beats while it runs."""
        if options["dry_run"]:
            try:
                result = self._import(options, self._bar(), user=None)
            except (ImportRejected, ImportFileError, MappingError) as error:
                raise self._refusal(options, error) from None
            self._summary(result)
            return
        user = access.cli_user(options["as_user"], Action.IMPORT)
        try:
            job = jobs.begin_import(
                os.path.basename(options["path"]),
                user=user,
                source=options["source"],
                origin=ImportOrigin.CLI,
            )
        except jobs.ImportBusy as busy:
            raise CommandError(str(busy), returncode=BUSY_EXIT_CODE) from None
        result, written = self._locked_import(job.pk, options, user)
        try:  # the lines are committed: nothing from here on may fail the command
            jobs.release_lock(
                job.pk, ImportJobState.DONE, batch_id=result.batch_id, done=written, total=written
            )
            self._summary(result)
        except Exception:
            logger.exception("after import job %s had committed", job.pk)

    def _locked_import(self, job_id: int, options, user):
        """The import with a heartbeat; a refusal or failure is recorded and frees the lock."""
        bar = self._bar()
        try:
            with jobs.Heartbeat(job_id) as heartbeat:

                def progress(done: int, total: int) -> None:
                    bar(done, total)
                    heartbeat(done, total)

                return self._import(options, progress, user=user), heartbeat.done
        except ImportRejected as rejected:
            jobs.release_lock(
                job_id,
                ImportJobState.REJECTED,
                problems=problems_to_json(rejected.problems),
                total_problems=rejected.total_problems,
                error=rejected.headline(),
            )
            raise self._refusal(options, rejected) from None
        except (ImportFileError, MappingError) as error:
            jobs.release_lock(job_id, ImportJobState.FAILED, error=str(error))
            raise self._refusal(options, error) from None
        except BaseException:
            jobs.release_lock(job_id, ImportJobState.FAILED, error=unexpected_reason())
            raise

    @staticmethod
    def _bar():
        """A progress bar on a terminal, as lines are written."""
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit=_("lines"), disable=not sys.stderr.isatty())
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return progress

    def _import(self, options, progress, *, user):
        return import_orders(
            options["path"],
            source=options["source"],
            date_order=options["date_order"],
            date_format=options["date_format"],
            mapping=_mapping(options["map"]),
            skip_unidentified=options["skip_unidentified"],
            dry_run=options["dry_run"],
            encoding=options["encoding"],
            sheet=int(options["sheet"]) if (options["sheet"] or "").isdigit() else options["sheet"],
            currency=options["currency"],
            progress=progress,
            user=user,
        )

    def _refusal(self, options, error: Exception) -> CommandError:
        """The importer's refusal as the command's error, the problem report written first."""
        if isinstance(error, ImportRejected):
            if options["report"]:
                with open(options["report"], "wb") as out:
                    out.write(error.as_csv())
            self.stderr.write("\n".join(_problem_lines(error)))
            return CommandError(error.headline())
        return CommandError(str(error))

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
