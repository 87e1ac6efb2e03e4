"""Coverage read from the database for one account or many (the portfolio), in a constant
number of queries whatever the number of accounts: the policy, the tiers, the contacts,
the executive sponsors and their last executive visits — one query each. The rules are
kam.care.coverage's pure functions.

The tier is the account's current tier as kam.value keeps it (AccountTier: the manager's
override, else the computed one); an account never tiered has none ("" → the default
cadence, said on the page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Max, Q
from django.utils import timezone

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account, AccountTeamMember
from kam.people.models import Contact
from kam.value.models import AccountTier

from . import policy as care_policy
from .choices import VisitKind
from .coverage import Coverage, Person, Sponsor, assess, sort_key
from .models import Visit

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


def _tiers(ids: list[int]) -> dict[int, str]:
    rows = AccountTier.objects.filter(account_id__in=ids).values_list(
        "account_id", "override_tier", "computed_tier"
    )
    return {account_id: override or computed for account_id, override, computed in rows}


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
    account_ids: Iterable[int], *, today: date | None = None, policy=None, tiers=None
) -> dict[int, Coverage]:
    """Coverage of each account in `account_ids` (already checked: the caller may see
    them). Five queries whatever the number of accounts; one fewer each for a `policy`
    or the `tiers` (account id → tier) the caller already has."""
    ids = list(dict.fromkeys(account_ids))
    today = today or timezone.localdate()
    policy = policy or care_policy.current()
    if not ids:
        return {}
    tiers = _tiers(ids) if tiers is None else tiers
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


def tier_of(account: Account) -> str:
    """The current tier of an account read with select_related("tier_state")."""
    try:
        state = account.tier_state
    except AccountTier.DoesNotExist:
        return ""
    return state.tier if state is not None else ""


def coverage_of(account: Account, **kwargs) -> Coverage:
    """One account's coverage; its tier read from `account` when already selected."""
    if "tier_state" in account._state.fields_cache:
        kwargs.setdefault("tiers", {account.pk: tier_of(account)})
    return coverage_for([account.pk], **kwargs)[account.pk]


def key_accounts(user, policy):
    """The key-tier accounts `user` may see (a KAM: their own), with their owner."""
    tiers = list(policy.key_tiers)
    in_key = Q(tier_state__override_tier__in=tiers) | Q(
        tier_state__override_tier="", tier_state__computed_tier__in=tiers
    )
    visible = access.restrict_accounts(Account.objects.all(), user, Action.VIEW)
    return visible.filter(in_key).select_related("owner", "tier_state").order_by("name")


def portfolio(user, *, today: date | None = None) -> list[tuple[Account, Coverage]]:
    """The key-tier accounts the user may see with their coverage, red first. Five queries."""
    policy = care_policy.current()
    accounts = list(key_accounts(user, policy))
    tiers = {a.pk: tier_of(a) for a in accounts}
    found = coverage_for([a.pk for a in accounts], today=today, policy=policy, tiers=tiers)
    rows = [(account, found[account.pk]) for account in accounts]
    rows.sort(key=lambda row: sort_key(row[1]))
    return rows
