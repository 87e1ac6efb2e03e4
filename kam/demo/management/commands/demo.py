"""`kam demo`: load the demo company 华东精密工业, so a fresh install has something to show.

It never hurts a real installation: with DEBUG=false it loads nothing, and on a database
that has users it loads only when forced, and then with generated passwords instead of the
published one (the demo includes a superuser).
"""

from datetime import date

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts.models import Account
from kam.core.management.base import KamCommand
from kam.demo.generator import COMPANY_NAME
from kam.users.models import User


class Command(KamCommand):
    help = gettext_lazy(
        "Create a demo company with customers, people, three years of orders and costs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_(
                "Do nothing (and succeed) when the database already holds users or accounts, "
                "or when DEBUG is off: what `make run` calls."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_(
                "Load the demo although users exist; every demo user then gets a generated "
                "password, printed once."
            ),
        )
        parser.add_argument("--seed", type=int, default=2026, help=_("Random seed (default 2026)."))
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=_("Size: 1.0 is about 300 customers and 150,000 order lines."),
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            metavar="YYYY-MM-DD",
            help=_(
                "The day to build the demo for: its three years of history end the month "
                "before (default: today)."
            ),
        )

    def handle(self, *args, if_empty, force, seed, scale, today, **options):
        from kam.demo.services import build_demo

        if not 0 < scale <= 100:
            raise CommandError(_("The scale must be above 0 and at most 100."))
        if refusal := self._refusal(force):
            if if_empty:
                self.stdout.write(refusal)
                return
            raise CommandError(refusal)
        summary = build_demo(
            seed=seed,
            scale=scale,
            stdout=self.stdout,
            generate_passwords=force,
            today=today or timezone.localdate(),
        )
        self._report(summary)

    def _refusal(self, force: bool) -> str:
        """Why the demo must not be loaded here, or "" when it may."""
        if not settings.DEBUG:
            return _(
                "DEBUG is off, so this is taken for a production installation: the demo "
                "company was not loaded. It is meant for development and trials (DEBUG=true)."
            )
        if Account.objects.exists():
            return _("The database already holds accounts; the demo company was not loaded.")
        if User.objects.exists() and not force:
            return _(
                "The database already has users; the demo company was not loaded. Its users "
                "include a superuser with a published password. To load it all the same, use "
                "--force: the demo users then get generated passwords."
            )
        return ""

    def _report(self, summary) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo company %(company)s loaded in %(seconds)s s: %(accounts)s accounts, "
                    "%(users)s users, %(contacts)s contacts, %(lines)s order lines, "
                    "%(costs)s cost-to-serve entries."
                )
                % {
                    "company": COMPANY_NAME,
                    "seconds": summary.seconds,
                    "accounts": summary.accounts,
                    "users": summary.users,
                    "contacts": summary.contacts,
                    "lines": f"{summary.lines:,}",
                    "costs": summary.costs,
                }
            )
        )
        self.stdout.write(
            _("Order history from %(first)s to %(last)s.")
            % {"first": summary.first_day, "last": summary.last_day}
        )
        if summary.passwords:
            self.stdout.write(
                _("Demo logins with generated passwords (shown only this once, write them down):")
            )
            width = max(len(username) for username in summary.passwords)
            for username, role, region in summary.logins:
                shown = f"{role} · {region}" if region else role
                self.stdout.write(f"  {username:<{width}}  {summary.passwords[username]}  {shown}")
        elif summary.logins:
            self.stdout.write(
                _("Demo logins (password for all: %(password)s):") % {"password": summary.password}
            )
            groups = login_groups(summary.logins)
            width = max(len(usernames) for usernames, _role in groups)
            for usernames, role in groups:
                self.stdout.write(f"  {usernames:<{width}}  {role}")
        if summary.kept_users:
            self.stdout.write(
                _("These users existed already and were left unchanged: %(names)s")
                % {"names": ", ".join(summary.kept_users)}
            )


def login_groups(logins: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Fold kam01 … kam05 of one region into "kam01–kam05" so the list fits a screen."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for username, role, region in logins:
        groups.setdefault((role, region, username.rstrip("0123456789")), []).append(username)
    out = []
    for (role, region, _prefix), usernames in groups.items():
        shown = f"{usernames[0]}–{usernames[-1]}" if len(usernames) > 2 else ", ".join(usernames)
        out.append((shown, f"{role} · {region}" if region else role))
    return out
