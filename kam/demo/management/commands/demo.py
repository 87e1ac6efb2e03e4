"""`kam demo`: load the demo company 华东精密工业, so a fresh install has something to show."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.demo.generator import COMPANY_NAME


class Command(BaseCommand):
    help = "Create a demo company with customers, people, three years of orders and costs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=("Do nothing when the database already holds accounts."),
        )
        parser.add_argument("--seed", type=int, default=2026, help=("Random seed (default 2026)."))
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=("Size: 1.0 is about 300 customers and 150,000 order lines."),
        )

    def handle(self, *args, if_empty, seed, scale, **options):
        from kam.demo.services import build_demo

        if not 0 < scale <= 100:
            raise CommandError(_("The scale must be above 0 and at most 100."))
        if Account.objects.exists():
            if if_empty:
                self.stdout.write(_("Accounts exist already; the demo company was not loaded."))
                return
            raise CommandError(
                _("The database already holds accounts; the demo company needs an empty one.")
            )
        summary = build_demo(seed=seed, scale=scale, stdout=self.stdout)
        self._report(summary)

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
        if summary.logins:
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
