"""Coverage read from the database for one account or many (the portfolio), in a constant
number of queries whatever the number of accounts: the policy, the tiers, the contacts,
the executive sponsors and their last executive visits — one query each. The rules are
kam.care.coverage's pure functions.

The tier is the one kam's pages show (kam.care.tiers: the value analysis of the period the
pages open on, a manager's override in its place); the caller passes it, so the loader's
queries stay five. An account the analysis does not place has none ("" → the default
cadence, said on the page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Max
from django.utils import timezone

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account, AccountTeamMember
from kam.people.models import Contact

from . import policy as care_policy
from .choices import VisitKind
from .coverage import Coverage, Person, Sponsor, assess, sort_key
from .models import Visit
from .tiers import shown_tiers

PERSON_FIELDS = (
    "id",
    "account_id",
    "name",
    "roles",
    "support",
    "influence",
    "status",
    "left_on",
    "last_met_on",
    "is_node",
)


def _people(ids: list[int]) -> dict[int, list[Person]]:
    out: dict[int, list[Person]] = defaultdict(list)
    rows = Contact.objects.alive().filter(account_id__in=ids).values(*PERSON_FIELDS)
    for row in rows:
        account_id = row.pop("account_id")
        row["roles"] = tuple(row["roles"] or ())
        row["influence"] = row["influence"]
        out[account_id].append(Person(**row))
    return out


def _sponsors(ids: list[int]) -> dict[int, list[Sponsor]]:
    out: dict[int, list[Sponsor]] = defaultdict(list)
    members = (
        AccountTeamMember.objects.filter(account_id__in=ids, role=TeamRole.EXECUTIVE_SPONSOR)
        .select_related("user")
        .order_by("user__username")
    )
    for member in members:
        out[member.account_id].append(Sponsor(member.user_id, str(member.user)))
    return out


def _executive_visits(ids: list[int]) -> dict[tuple[int, int], date]:
    """(account, our person) → their latest executive visit at that account."""
    through = Visit.our_people.through
    rows = (
        through.objects.filter(
            visit__account_id__in=ids,
            visit__kind=VisitKind.EXECUTIVE_VISIT,
            visit__deleted_at__isnull=True,
        )
        .values("visit__account_id", "user_id")
        .annotate(last=Max("visit__date"))
    )
    return {(row["visit__account_id"], row["user_id"]): row["last"] for row in rows}


def coverage_for(
    account_ids: Iterable[int], *, tiers: dict[int, str], today: date | None = None, policy=None
) -> dict[int, Coverage]:
    """Coverage of each account in `account_ids` (already checked: the caller may see
    them), each at its tier in `tiers` (account id → tier, kam.care.tiers). Four queries
    whatever the number of accounts; one fewer for a `policy` the caller already has."""
    ids = list(dict.fromkeys(account_ids))
    today = today or timezone.localdate()
    policy = policy or care_policy.current()
    if not ids:
        return {}
    people, sponsors = _people(ids), _sponsors(ids)
    visits = _executive_visits(ids)
    out = {}
    for account_id in ids:
        mine = sponsors.get(account_id, [])
        dates = [visits[(account_id, s.user_id)] for s in mine if (account_id, s.user_id) in visits]
        out[account_id] = assess(
            account_id,
            people.get(account_id, []),
            policy,
            today,
            tier=tiers.get(account_id, ""),
            sponsors=mine,
            last_executive_visit=max(dates, default=None),
        )
    return out


def coverage_of(account: Account, user, **kwargs) -> Coverage:
    """One account's coverage, at the tier `user`'s pages show it."""
    tiers, _label = shown_tiers(user)
    return coverage_for([account.pk], tiers={account.pk: tiers.get(account.pk, "")}, **kwargs)[
        account.pk
    ]


def portfolio(user, *, today: date | None = None) -> list[tuple[Account, Coverage]]:
    """The key-tier accounts the user may see (a KAM: their own) with their coverage, red
    first. Five queries besides the (cached) analysis the tiers come from."""
    policy = care_policy.current()
    shown, _label = shown_tiers(user)
    keys = [pk for pk, tier in shown.items() if tier in policy.key_tiers]
    visible = access.restrict_accounts(Account.objects.filter(pk__in=keys), user, Action.VIEW)
    accounts = list(visible.select_related("owner").order_by("name"))
    found = coverage_for([a.pk for a in accounts], today=today, policy=policy, tiers=shown)
    rows = [(account, found[account.pk]) for account in accounts]
    rows.sort(key=lambda row: sort_key(row[1]))
    return rows
