"""`kam analyze`: the value analysis of the portfolio for a period, as a table, JSON or Excel."""

import json
import sys
from datetime import date
from decimal import Decimal

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.management.base import KamCommand
from kam.value import charts, periods, portfolio, services
from kam.value.analytics.analysis import to_json
from kam.value.analytics.flags import FLAG_LABELS
from kam.value.analytics.periods import Period, default_period
from kam.value.config import PolicyError, policy_from_dict
from kam.value.exports import write_xlsx
from kam.value.models import TierConfig
from kam.web.formatting import UNKNOWN, percent, signed_percent
from kam.web.tiers import tier_text


def _period(options) -> Period:
    """The period the options name; the pages' default period when they name none."""
    try:
        if options["from"] or options["to"]:
            if not (options["from"] and options["to"]):
                raise CommandError(_("Give both --from and --to."))
            return Period.between(
                periods.parse_month(options["from"]), periods.parse_month(options["to"])
            )
        if options["month"]:
            return Period.month(*_year_month(options["month"]))
        if options["quarter"]:
            year, quarter = options["quarter"].upper().split("-Q")
            return Period.quarter(int(year), int(quarter))
        if options["year"]:
            return Period.year(options["year"])
        if options["ytd"]:
            return Period.year_to_date(_last_month(options["ytd"]))
        if options["rolling"]:
            return Period.rolling(_last_month(options["rolling"]))
        return _default_period()
    except ValueError as error:
        raise CommandError(
            _("Not a period kam understands: %(error)s") % {"error": error}
        ) from None


def _year_month(text: str) -> tuple[int, int]:
    month = periods.parse_month(text)
    return month.year, month.month


LATEST = "latest"
"""--ytd and --rolling without a month: up to the last month with data (not past today)."""


def _last_month(text: str) -> date:
    if text != LATEST:
        return periods.parse_month(text)
    data = portfolio.data_span().period
    today = periods.today()
    return min(data.last_month, today) if data else today


def _default_period() -> Period:
    """This year to date when the data reaches into this year, else the last full year."""
    data = portfolio.data_span().period
    return default_period(portfolio.months_with_data(None), data, periods.today())


class Command(KamCommand):
    help = gettext_lazy(
        "Analyse account value for a period: metrics, tiers, 80/20, health, false key accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            help=_(
                "a calendar year (default: this year to date when the data reaches into "
                "it, else the last full year)"
            ),
        )
        parser.add_argument("--quarter", help=_("e.g. 2025-Q3"))
        parser.add_argument("--month", help=_("one month, YYYY-MM"))
        parser.add_argument(
            "--ytd",
            nargs="?",
            const=LATEST,
            metavar="YYYY-MM",
            help=_("the year to date: January to this month (default: the last month with data)"),
        )
        parser.add_argument(
            "--rolling",
            nargs="?",
            const=LATEST,
            metavar="YYYY-MM",
            help=_("the 12 months ending with this month (default: the last month with data)"),
        )
        parser.add_argument("--from", dest="from", help=_("first month, YYYY-MM (whole months)"))
        parser.add_argument("--to", help=_("last month, YYYY-MM (whole months)"))
        parser.add_argument(
            "--format",
            choices=["table", "json", "xlsx"],
            default="table",
            help=_("table on the terminal (default), json, or an xlsx workbook"),
        )
        parser.add_argument("--output", help=_("file to write (required for xlsx)"))
        parser.add_argument("--config", help=_("name of a saved tier configuration"))
        parser.add_argument("--apply", action="store_true", help=_("store the computed tiers"))
        parser.add_argument("--top", type=int, default=20, help=_("accounts in the table"))
        parser.add_argument(
            "--lang", choices=["zh-hans", "en"], help=_("language of the help and the output")
        )
        access.add_as_argument(parser)

    def handle(self, *args, **options):
        with translation.override(options["lang"] or translation.get_language()):
            self._run(options)

    def _run(self, options) -> None:
        period = _period(options)
        user = access.cli_user(options["as_user"], Action.STEER_VALUE) if options["apply"] else None
        policy = None
        if options["config"]:
            config = TierConfig.objects.filter(name=options["config"]).first()
            if config is None:
                raise CommandError(
                    _("No tier configuration named %(name)s.") % {"name": options["config"]}
                )
            try:
                policy = policy_from_dict(config.policy)
            except PolicyError as error:
                raise CommandError(str(error)) from None
        analysis = portfolio.run_analysis(period, policy=policy)
        if options["apply"]:
            applied = services.apply_tiers(analysis, by=user)
            self.stderr.write(
                _("Tiers stored: %(changed)s changed, %(unchanged)s unchanged.")
                % {"changed": applied.changed, "unchanged": applied.unchanged}
            )
        fmt = options["format"]
        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError(_("--format xlsx needs --output FILE.xlsx"))
            write_xlsx(analysis, options["output"])
            self.stdout.write(_("Written to %(path)s") % {"path": options["output"]})
        elif fmt == "json":
            text = json.dumps(to_json(analysis), ensure_ascii=False, indent=1)
            self._emit(text, options["output"])
        else:
            self._emit(self._table(analysis, options["top"]), options["output"])

    def _emit(self, text: str, path: str | None) -> None:
        if path:
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
            self.stdout.write(_("Written to %(path)s") % {"path": path})
        else:
            sys.stdout.write(text + "\n")

    def _growth_line(self, analysis) -> str:
        """Growth of the whole portfolio on the previous period, or why it is unknown."""
        previous = periods.label(analysis.period.previous())
        growth = charts.headline(analysis).growth
        if growth is None:
            reason = periods.growth_unknown(analysis.comparison) or _(
                "no sales in the previous period"
            )
            return _("Growth on %(previous)s: unknown (%(reason)s)") % {
                "previous": previous,
                "reason": reason,
            }
        return _("Growth on %(previous)s: %(change)s") % {
            "previous": previous,
            "change": signed_percent(growth),
        }

    def _table(self, analysis, top: int) -> str:
        data = to_json(analysis)
        lines = [
            _("Period %(start)s – %(end)s, currency %(currency)s")
            % {
                "start": analysis.period.start,
                "end": analysis.period.end,
                "currency": analysis.currency,
            },
            self._growth_line(analysis),
            _("Top 20%% of accounts: %(revenue)s of revenue, %(profit)s of gross profit")
            % {
                "revenue": percent(data["pareto"]["top20_revenue_share"]),
                "profit": _known(percent, data["pareto"]["top20_profit_share"]),
            },
            _("Top 10 accounts: %(share).1f%% of revenue — %(verdict)s")
            % {
                "share": 100 * (data["health"]["top10_revenue_share"] or 0),
                "verdict": _("meets the 50% minimum")
                if data["health"]["meets_minimum"]
                else _("below the 50% minimum"),
            },
            *_unknown_lines(data),
            "",
        ]
        header = [
            _("Code"),
            _("Name"),
            _("Tier"),
            _("Revenue"),
            _("Gross profit"),
            _("Net contribution"),
            _("Flags"),
        ]
        rows = [header]
        for account in data["accounts"][:top]:
            rows.append(
                [
                    account["code"] or "",
                    account["name"] or "",
                    tier_text(account["tier"], account["tier_set_by_hand"])
                    if account["tier"]
                    else "",
                    account["revenue"],
                    _known(str, account["gross_profit"]),
                    _known(str, account["net_contribution"]),
                    ", ".join(str(FLAG_LABELS[flag["kind"]]) for flag in account["flags"]),
                ]
            )
        widths = [max(_width(str(row[i])) for row in rows) for i in range(len(header))]
        for row in rows:
            lines.append(
                "  ".join(_pad(str(cell), widths[i]) for i, cell in enumerate(row)).rstrip()
            )
        flagged = [a for a in data["accounts"] if a["flags"]]
        if flagged:
            lines += ["", _("False key accounts (%(count)s):") % {"count": len(flagged)}]
            for account in flagged:
                for flag in account["flags"]:
                    lines.append(
                        f"  {account['code'] or ''} {account['name']}: {flag.get('summary') or flag['kind']}"
                    )
        return "\n".join(lines)


def _known(show, value) -> str:
    """An unknown figure as "—", never as 0 (the lines above the table say why)."""
    return UNKNOWN if value is None else show(value)


def _unknown_lines(data: dict) -> list[str]:
    """How much of the period's revenue has no cost, and which metrics the value scores
    could not use: a table of "—" is explained above it, not left to guess."""
    lines = []
    unknown = data["unknown"]
    uncosted, revenue = Decimal(unknown["uncosted_revenue"]), Decimal(unknown["revenue"])
    if uncosted and revenue:
        lines.append(
            _("Revenue without cost: %(amount)s of %(revenue)s (%(share)s); gross profit unknown.")
            % {"amount": uncosted, "revenue": revenue, "share": percent(uncosted / revenue)}
        )
    missing = unknown["score_metrics_missing"]
    if missing:
        names = ", ".join(sorted(missing))
        lines.append(
            _("Value scores leave out what is unknown, renormalising the weights: %(names)s.")
            % {"names": names}
        )
    return lines


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
