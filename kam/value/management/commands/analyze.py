"""`kam analyze`: the value analysis of the portfolio for a period, as a table, JSON or Excel."""

import json
import sys
from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.management.base import KamCommand
from kam.value import services
from kam.value.analytics.analysis import to_json
from kam.value.analytics.flags import FLAG_LABELS
from kam.value.analytics.periods import Period
from kam.value.choices import Tier
from kam.value.config import PolicyError, policy_from_dict
from kam.value.exports import write_xlsx
from kam.value.models import TierConfig


def _period(options) -> Period:
    try:
        if options["from"] or options["to"]:
            if not (options["from"] and options["to"]):
                raise CommandError(_("Give both --from and --to."))
            return Period.between(
                date.fromisoformat(options["from"]), date.fromisoformat(options["to"])
            )
        if options["quarter"]:
            year, quarter = options["quarter"].upper().split("-Q")
            return Period.quarter(int(year), int(quarter))
        year = options["year"] or timezone.localdate().year - 1
        return Period.year(year)
    except ValueError as error:
        raise CommandError(
            _("Not a period kam understands: %(error)s") % {"error": error}
        ) from None


class Command(KamCommand):
    help = gettext_lazy(
        "Analyse account value for a period: metrics, tiers, 80/20, health, false key accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help=_("a calendar year (default: last year)"))
        parser.add_argument("--quarter", help=_("e.g. 2025-Q3"))
        parser.add_argument("--from", dest="from", help=_("first day, YYYY-MM-DD (whole months)"))
        parser.add_argument("--to", help=_("last day, YYYY-MM-DD (whole months)"))
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
        analysis = services.run_analysis(period, policy=policy)
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

    def _table(self, analysis, top: int) -> str:
        data = to_json(analysis)
        lines = [
            _("Period %(start)s – %(end)s, currency %(currency)s")
            % {
                "start": analysis.period.start,
                "end": analysis.period.end,
                "currency": analysis.currency,
            },
            _("Top 20%% of accounts: %(revenue).1f%% of revenue, %(profit).1f%% of gross profit")
            % {
                "revenue": 100 * (data["pareto"]["top20_revenue_share"] or 0),
                "profit": 100 * (data["pareto"]["top20_profit_share"] or 0),
            },
            _("Top 10 accounts: %(share).1f%% of revenue — %(verdict)s")
            % {
                "share": 100 * (data["health"]["top10_revenue_share"] or 0),
                "verdict": _("meets the 50% minimum")
                if data["health"]["meets_minimum"]
                else _("below the 50% minimum"),
            },
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
                    str(Tier(account["tier"]).label) if account["tier"] else "",
                    account["revenue"],
                    account["gross_profit"],
                    account["net_contribution"],
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


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
