"""`kam api-token`: personal API tokens from the command line (create, list, revoke).

A token is printed once, when it is made; kam keeps only its hash. Users create and revoke
their own; an administrator may do so for others (`--as ADMIN`), as on the pages."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts import access
from kam.accounts.access import Action
from kam.core.management.base import KamCommand
from kam.users import services
from kam.users.models import ApiToken
from kam.users.roles import is_active


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not is_active(user):
        raise CommandError(_("There is no active user %(name)s.") % {"name": username})
    return user


def acting(as_user: str | None, owner) -> None:
    """The owner acts for themselves; anybody else must be allowed to administer kam."""
    if as_user and as_user != owner.username:
        access.cli_user(as_user, Action.ADMINISTER)


class Command(KamCommand):
    help = gettext_lazy("Personal API tokens: create (printed once), list, revoke.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action",
            required=True,
            title=_("actions"),
            help=_("kam api-token ACTION --help explains an action's options"),
        )
        create = actions.add_parser("create", help=_("create a token and print it once"))
        create.add_argument("--user", required=True, help=_("whose token it is"))
        create.add_argument("--name", default="CLI", help=_("what the token is for"))
        create.add_argument("--days", type=int, help=_("expires after this many days"))
        access.add_as_argument(create)
        listing = actions.add_parser("list", help=_("list tokens (never the tokens themselves)"))
        listing.add_argument("--user", help=_("only this user's tokens"))
        revoke = actions.add_parser("revoke", help=_("revoke a token: it no longer lets in"))
        revoke.add_argument("prefix", help=_("the token's prefix, as the list shows it"))
        access.add_as_argument(revoke)

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options) -> None:
        owner = _user(options["user"])
        acting(options["as_user"], owner)
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError(_("--days must be at least 1."))
        expires = timezone.now() + timedelta(days=days) if days else None
        _row, token = services.create_api_token(owner, options["name"], expires_at=expires)
        self.stderr.write(_("Keep this token now: kam cannot show it again."))
        self.stdout.write(token)

    def _list(self, options) -> None:
        rows = ApiToken.objects.select_related("user")
        if options["user"]:
            rows = rows.filter(user__username=options["user"])
        for row in rows:
            state = _("revoked") if row.revoked_at else _("active")
            if not row.revoked_at and row.expires_at and row.expires_at <= timezone.now():
                state = _("expired")
            used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "—"
            self.stdout.write(
                f"{row.prefix}…\t{row.user.username}\t{row.name}\t{state}\t"
                + _("last used %(when)s") % {"when": used}
            )

    def _revoke(self, options) -> None:
        prefix = options["prefix"].rstrip("…")
        rows = list(ApiToken.objects.select_related("user").filter(prefix=prefix))
        if len(rows) != 1:
            raise CommandError(_("No single token has the prefix %(prefix)s.") % {"prefix": prefix})
        acting(options["as_user"], rows[0].user)
        services.revoke_api_token(rows[0])
        self.stdout.write(_("Revoked %(prefix)s….") % {"prefix": prefix})
