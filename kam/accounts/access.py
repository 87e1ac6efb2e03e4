"""The access layer: who may do what to which account. Every entry point asks it.

Pages, chart data, exports, the admin, the CLI and the caches all call the functions
here, so the rules live in one place (DESIGN, "the access layer"; NetBox's
`RestrictedQuerySet.restrict(user, action)`):

- `Account.objects.restrict(user, action)` — the accounts a user may act on;
  models that belong to an account use `AccountOwnedQuerySet.restrict`, which follows
  the account, so contacts (and later cards, opportunities, plans) never need a rule.
- `may(user, action, account)` — one object; `may(user, action)` for company actions.
- `get_account` / `get_for` — 404 when the user may not see the object, 403 when they
  may see it but not do this.
- `scope_key(user)` — what the rules decide by, for cache keys.

The rules (the user guide's role table says the same in words):

| action | who |
|---|---|
| view, edit, see personal data | the account's owner and team, the region's manager, the portfolio |
| manage team | the owner, the region's manager, the portfolio |
| manage (owner, region, status, delete, restore) | the region's manager, the portfolio |
| steer value settings | the portfolio (executives, key account director, administrators) |
| import | the portfolio and finance |
| administer | administrators (superusers) |

Deactivated and anonymous users may do nothing. A soft-deleted account is seen only by
those who may manage it (so they can restore it), and only where a caller asks for
deleted rows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from kam.users.choices import Role
from kam.users.roles import (
    ACCOUNT_ACTIONS,
    ACTION_LABELS,
    COMPANY_ACTIONS,
    Action,
    is_active,
    may_company,
    steers_portfolio,
)

from .models import Account, AccountOwnedQuerySet, AccountTeamMember, Region

__all__ = [
    "ACCOUNT_ACTIONS",
    "COMPANY_ACTIONS",
    "AccountOwnedQuerySet",
    "Action",
    "account_filter",
    "add_as_argument",
    "cli_user",
    "get_account",
    "get_for",
    "manageable_regions",
    "manages_any",
    "may",
    "require",
    "requires",
    "scope_key",
    "sees_every_account",
]

# Which relations to the account grant which account actions.
BY_TEAM = frozenset({Action.VIEW, Action.EDIT, Action.SEE_PERSONAL})
BY_OWNER = BY_TEAM | {Action.MANAGE_TEAM}
BY_REGION = ACCOUNT_ACTIONS  # the regional manager of the account's region


def sees_every_account(user) -> bool:
    """The portfolio roles: no row filter at all (and so no narrowed analysis)."""
    return steers_portfolio(user)


def manages_any(user) -> bool:
    """Those who may manage some account (create accounts, delete and restore): the
    portfolio and regional managers."""
    return steers_portfolio(user) or (is_active(user) and _manages_region(user))


def manageable_regions(user):
    """The regions `user` may put an account in: all for the portfolio, their own for a
    regional manager (an account moved elsewhere would vanish from their view)."""
    if steers_portfolio(user):
        return Region.objects.all()
    if is_active(user) and _manages_region(user):
        return Region.objects.filter(pk=user.region_id)
    return Region.objects.none()


def _manages_region(user) -> bool:
    return user.role == Role.REGIONAL_MANAGER and user.region_id is not None


def account_filter(user, action: Action = Action.VIEW, prefix: str = "") -> Q | None:
    """The condition on accounts (reached through `prefix`, e.g. "account__") for `action`:
    None means every account; alive or deleted is the caller's concern."""
    if action not in ACCOUNT_ACTIONS:
        raise ValueError(f"{action} is a company-wide action, not one on an account")
    if not is_active(user):
        return Q(**{f"{prefix}pk__in": []})
    if steers_portfolio(user):
        return None
    rule = Q(**{f"{prefix}pk__in": []})
    if _manages_region(user):
        rule |= Q(**{f"{prefix}region_id": user.region_id})
    if action in BY_OWNER:
        rule |= Q(**{f"{prefix}owner_id": user.pk})
    if action in BY_TEAM:
        teams = AccountTeamMember.objects.filter(user_id=user.pk).values("account_id")
        rule |= Q(**{f"{prefix}pk__in": teams})
    return rule


def restrict_accounts(queryset, user, action: Action, *, with_deleted: bool = False):
    """`queryset` (of accounts) cut to those `user` may act on; with_deleted adds the
    soft-deleted ones the user may manage, so they can be restored."""
    alive = _filtered(queryset.filter(deleted_at__isnull=True), account_filter(user, action))
    if not with_deleted:
        return alive
    deleted = _filtered(
        queryset.filter(deleted_at__isnull=False), account_filter(user, Action.MANAGE)
    )
    return alive | deleted


def _filtered(queryset, rule: Q | None):
    return queryset if rule is None else queryset.filter(rule)


def restrict_owned(queryset, user, action: Action, *, with_deleted: bool = False):
    """Rows that belong to an account (contacts, tiers, lines …) follow their account:
    rows of the living accounts `user` may act on; a row soft-deleted itself only
    `with_deleted` (to restore it)."""
    prefix = f"{queryset.account_path}__"
    rows = queryset.filter(**{f"{prefix}deleted_at__isnull": True})
    if not with_deleted and any(f.name == "deleted_at" for f in queryset.model._meta.fields):
        rows = rows.filter(deleted_at__isnull=True)
    return _filtered(rows, account_filter(user, action, prefix))


def may(user, action: Action, account=None, *, team_user_ids=None) -> bool:
    """May `user` do `action` (to `account`, or to the object belonging to it)?
    `team_user_ids` saves the team query when the caller has the team already."""
    if action in COMPANY_ACTIONS:
        return may_company(user, action)
    if account is None:
        raise ValueError(f"{action} needs an account")
    account = _account_of(account)
    if not is_active(user):
        return False
    if account.deleted_at is not None:
        return action in (Action.VIEW, Action.MANAGE) and _manages(user, account)
    if _manages(user, account):
        return True
    if account.owner_id == user.pk and action in BY_OWNER:
        return True
    return action in BY_TEAM and _on_team(user, account, team_user_ids)


def _account_of(obj) -> Account:
    return obj if isinstance(obj, Account) else obj.account


def _manages(user, account: Account) -> bool:
    """The portfolio, and the regional manager of the account's region."""
    if steers_portfolio(user):
        return True
    return _manages_region(user) and user.region_id == account.region_id


def _on_team(user, account: Account, team_user_ids=None) -> bool:
    if team_user_ids is not None:
        return user.pk in team_user_ids
    return AccountTeamMember.objects.filter(account=account, user_id=user.pk).exists()


def require(user, action: Action, account=None) -> None:
    """PermissionDenied (403) unless `user` may do `action`."""
    if not may(user, action, account):
        raise PermissionDenied


def requires(action: Action) -> Callable:
    """A view decorator for company-wide actions: login first, then 403 without the right."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def get_account(user, pk, action: Action = Action.VIEW, queryset=None) -> Account:
    """The account `pk`: 404 when `user` may not see it, 403 when they see it but may not
    do `action`. `queryset` adds select_related and the like."""
    queryset = Account.objects.all() if queryset is None else queryset
    with_deleted = action == Action.MANAGE
    visible = restrict_accounts(queryset, user, Action.VIEW, with_deleted=with_deleted)
    return _checked(user, action, visible.filter(pk=pk).first())


def get_for(user, queryset, action: Action = Action.VIEW, **lookup):
    """An object that belongs to an account, looked up in `queryset` (an
    AccountOwnedQuerySet): 404 when its account is hidden from `user`, 403 when seen but
    `action` is not allowed."""
    return _checked(user, action, queryset.restrict(user, Action.VIEW).filter(**lookup).first())


def _checked(user, action: Action, obj):
    if obj is None:
        raise Http404
    if action != Action.VIEW and not may(user, action, obj):
        raise PermissionDenied
    return obj


def scope_key(user) -> tuple:
    """What the rules decide by, besides the accounts' own data (owner, region, team,
    which change the data stamps): for keys of caches of what a user may see."""
    if not is_active(user):
        return ("nobody",)
    return (user.pk, user.role, user.region_id, user.is_superuser)


def add_as_argument(parser) -> None:
    """`--as USERNAME` for a CLI command that writes (see `cli_user`)."""
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help=_("who is doing this: history names them, and they need the right to do it"),
    )


def cli_user(username: str | None, action: Action, account=None):
    """The user a CLI write acts as (`--as USERNAME`), checked like a page would: history
    names them, and a command may do no more than they could in the browser."""
    if not username:
        raise CommandError(_("Say who is doing this: --as USERNAME (history names them)."))
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not is_active(user):
        raise CommandError(_("There is no active user %(name)s.") % {"name": username})
    if not may(user, action, account):
        raise CommandError(
            _("%(name)s may not %(action)s.") % {"name": username, "action": ACTION_LABELS[action]}
        )
    return user
