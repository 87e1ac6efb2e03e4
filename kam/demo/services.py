"""Write the generated demo company into the database through the real services.

Accounts and teams go through `kam.accounts.services`, order lines through the real
importer (as a Chinese-headed ERP export), so the demo exercises the same code paths as
a customer's own data and shows up any gap in them.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from kam.accounts import services as account_services
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account, Region
from kam.care import services as care_services
from kam.core import versions
from kam.core.history import change
from kam.core.models import FieldChange
from kam.people import cards as cards_services
from kam.people import services as people_services
from kam.people.birthdays import Birthday
from kam.people.models import Contact
from kam.sales.models import CostToServe
from kam.sales.services import import_orders
from kam.users.models import User
from kam.value import services as value_services

from .generator import (
    DEMO_PASSWORD,
    REFERENCE_TODAY,
    DemoData,
    generate,
    stage_history,
    stages_of,
)

__all__ = ["DEMO_PASSWORD", "DemoSummary", "build_demo"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Generated passwords avoid look-alikes (0/O, 1/l/I), since people copy them from a terminal.
PASSWORD_CHARACTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class DemoSummary:
    accounts: int = 0
    users: int = 0
    contacts: int = 0
    visits: int = 0
    connections: int = 0
    lines: int = 0
    costs: int = 0
    potentials: int = 0  # key accounts with scorecard inputs
    checks: int = 0  # checklist items proven
    first_day: date | None = None  # the order history's span
    last_day: date | None = None
    seconds: float = 0.0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # user, role, region
    kept_users: list[str] = field(default_factory=list)  # already there, left untouched
    password: str = DEMO_PASSWORD
    passwords: dict[str, str] = field(default_factory=dict)  # generated ones, by user name


def build_demo(
    *,
    seed: int = 2026,
    scale: float = 1.0,
    stdout=None,
    generate_passwords: bool = False,
    today: date = REFERENCE_TODAY,
) -> DemoSummary:
    """Create the demo company in one transaction: all of it, or nothing on any error.
    With `generate_passwords` each demo user gets a random password of its own (in
    `summary.passwords`) instead of the published DEMO_PASSWORD. The history ends the
    month before `today` (`kam demo` passes the real today; the default keeps tests and
    benchmarks on the same data every day)."""
    started = time.perf_counter()
    say = _printer(stdout)
    say(
        _("Generating the demo company (seed %(seed)s, scale %(scale)s)…")
        % {"seed": seed, "scale": scale}
    )
    data = generate(seed=seed, scale=scale, today=today)
    summary = DemoSummary(first_day=data.calendar.first_day, last_day=data.calendar.last_day)
    with transaction.atomic():
        regions = _create_regions(data)
        users = _create_users(data, regions, summary, generate_passwords)
        accounts = _create_accounts(data, regions, users)
        summary.contacts = _create_contacts(data, accounts)
        summary.contacts += _create_decision_chains(data, accounts, users, summary)
        summary.costs = _create_costs(data, accounts)
        summary.potentials = _set_potentials(data, accounts)
        summary.checks = _tick_checklists(data, accounts)
        summary.lines = _import_lines(data, say)
    summary.accounts = len(accounts)
    summary.users = len(users)
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


def _printer(stdout):
    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    return say


def _create_regions(data: DemoData) -> dict[str, Region]:
    regions = {}
    for name, code in data.regions:
        region = account_services.get_or_create_region(name)
        if not region.code:
            region.code = code
            region.save(update_fields=["code", "updated_at"])
        regions[code] = region
    return regions


def _create_users(
    data: DemoData, regions: dict[str, Region], summary: DemoSummary, generate_passwords: bool
) -> dict:
    """All demo users share one password; it is hashed once, since the production hasher
    takes a noticeable fraction of a second per hash. Generated passwords are one per user
    (a published one must never guard a real database). Existing users of the same name are
    kept exactly as they are (their password is never touched)."""
    shared = None if generate_passwords else make_password(DEMO_PASSWORD)
    if generate_passwords:
        summary.password = ""
    users = {}
    for spec in data.users:
        existing = User.objects.filter(username=spec.username).first()
        if existing is not None:
            summary.kept_users.append(spec.username)
            users[spec.username] = existing
            continue
        user = User.objects.create_user(
            spec.username,
            email=spec.email,
            password=None,
            first_name=spec.first_name,
            last_name=spec.last_name,
            role=spec.role,
            region=regions.get(spec.region_code),
            department=spec.department,
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        if generate_passwords:
            summary.passwords[spec.username] = get_random_string(16, PASSWORD_CHARACTERS)
            user.set_password(summary.passwords[spec.username])
        else:
            user.password = shared
        user.save(update_fields=["password"])
        users[spec.username] = user
        region = user.region.name if user.region else ""
        summary.logins.append((spec.username, str(user.get_role_display()), region))
    return users


def _create_accounts(data: DemoData, regions: dict[str, Region], users: dict) -> dict[str, Account]:
    """Accounts through the service (validation, owner joins the team); groups and
    referrals are linked afterwards, since they point at accounts created later."""
    accounts = {}
    for spec in data.accounts:
        account = account_services.create_account(
            name=spec.name,
            short_name=spec.short_name,
            code=spec.code,
            uscc=spec.uscc,
            industry=spec.industry,
            region=regions[spec.region_code],
            status=spec.status,
            owner=users[spec.owner],
            **dict(zip(("sales_stage", "relationship_stage"), stages_of(spec), strict=True)),
        )
        for username, role in spec.team:
            account_services.add_team_member(account, users[username], role)
        accounts[spec.code] = account
    linked = []
    for spec in data.accounts:
        if spec.parent_code or spec.referred_by_code:
            account = accounts[spec.code]
            account.parent = accounts.get(spec.parent_code)
            account.referred_by = accounts.get(spec.referred_by_code)
            linked.append(account)
    Account.objects.bulk_update(linked, ["parent", "referred_by"], batch_size=500)
    _record_stage_history(data, accounts)
    versions.bump(versions.VALUE)
    return accounts


def _record_stage_history(data: DemoData, accounts: dict[str, Account]) -> None:
    """The moves that brought each account to its stage, as its owner entered them."""
    entries = []
    for spec in data.accounts:
        account = accounts[spec.code]
        for day, field_name, old, new, reason in stage_history(spec):
            entry = change(account, field_name, old, new, by=account.owner, reason=reason)
            entry.changed_at = datetime.combine(day, dt_time(10), tzinfo=SHANGHAI)
            entries.append(entry)
    FieldChange.objects.bulk_create(entries, batch_size=1000)


def _create_contacts(data: DemoData, accounts: dict[str, Account]) -> int:
    contacts = [
        Contact(
            account=accounts[spec.account_code],
            name=spec.name,
            title=spec.title,
            department=spec.department,
            phone=spec.phone,
            email=spec.email,
        )
        for spec in data.contacts
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)
    return len(contacts)


def _create_decision_chains(data: DemoData, accounts: dict, users: dict, summary) -> int:
    """The key accounts' org charts, visits, third parties and connections, each through
    its service as a user would enter it (kam.demo.chain says what they are)."""
    chain = data.chain
    for code, username in chain.sponsors:
        account_services.add_team_member(
            accounts[code], users[username], TeamRole.EXECUTIVE_SPONSOR
        )
    contacts: dict[tuple[str, str], Contact] = {}
    for spec in chain.people:
        account = accounts[spec.account_code]
        contacts[spec.account_code, spec.key] = people_services.create_contact(
            account, by=account.owner, **_contact_fields(spec, contacts, users)
        )
    thirds = {
        spec.key: people_services.create_third_party(
            by=users[spec.recorded_by],
            name=spec.name,
            kind=spec.kind,
            organisation=spec.organisation,
            role=spec.role,
            notes=spec.notes,
        )
        for spec in chain.thirds
    }
    ends = {"user": users, "contact": contacts, "third": thirds}
    for link in chain.links:
        people_services.connect(
            ends[link.a[0]][link.a[1]],
            ends[link.b[0]][link.b[1]],
            kind=link.kind,
            by=users[link.recorded_by],
            strength=link.strength,
            valid_from=link.valid_from,
            valid_to=link.valid_to,
            notes=link.notes,
        )
    for visit in chain.visits:
        care_services.log_visit(
            accounts[visit.account_code],
            by=users[visit.ours[0]],
            our_people=[users[name] for name in visit.ours],
            their_people=[contacts[visit.account_code, key] for key in visit.theirs],
            kind=visit.kind,
            date=visit.day,
            notes=visit.notes,
            next_step=visit.next_step,
            next_step_on=visit.next_step_on,
        )
    _create_cards(chain.cards, accounts, contacts)
    summary.visits, summary.connections = len(chain.visits), len(chain.links)
    return len(chain.people)


def _create_cards(cards, accounts: dict, contacts: dict) -> None:
    """The planted VIP relationship cards, entered by each account's owner (the birthday
    as the person gives it; the card service stores it as the lunar date)."""
    for spec in cards:
        birthday = Birthday(
            spec.birthday_calendar,
            spec.birthday_year,
            spec.birthday_month,
            spec.birthday_day,
            spec.birthday_leap_month,
        )
        cards_services.save_card(
            contacts[spec.account_code, spec.key],
            by=accounts[spec.account_code].owner,
            birthday=birthday,
            interests=spec.interests,
            family=spec.family,
            calls_seller_by_name=spec.calls_seller_by_name,
        )


def _contact_fields(spec, contacts: dict, users: dict) -> dict:
    """A PersonSpec as create_contact's fields: keys and usernames become the objects."""
    return {
        "name": spec.name,
        "title": spec.title,
        "department": spec.department,
        "phone": spec.phone,
        "email": spec.email,
        "level": spec.level,
        "reports_to": contacts.get((spec.account_code, spec.reports_to)),
        "on_chart": spec.on_chart,
        "roles": [str(role) for role in spec.roles],
        "support": spec.support,
        "influence": spec.influence,
        "orientation": spec.orientation,
        "concerns": [str(concern) for concern in spec.concerns],
        "concerns_note": spec.concerns_note,
        "relationship": spec.relationship,
        "relationship_goal": spec.relationship_goal,
        "status": spec.status,
        "left_on": spec.left_on,
        "is_node": spec.is_node,
        "business_line": users.get(spec.business_line),
        "technical_line": users.get(spec.technical_line),
        "management_line": users.get(spec.management_line),
        "notes": spec.notes,
    }


def _create_costs(data: DemoData, accounts: dict[str, Account]) -> int:
    costs = [
        CostToServe(
            account=accounts[spec.account_code],
            date=spec.date,
            category=spec.category,
            amount=Decimal(spec.amount) / 100,
            note=spec.note,
        )
        for spec in data.costs
    ]
    CostToServe.objects.bulk_create(costs, batch_size=2000)
    versions.bump(versions.VALUE)
    return len(costs)


def _set_potentials(data: DemoData, accounts: dict[str, Account]) -> int:
    """The scorecard inputs of the key accounts, entered by each one's owner."""
    for spec in data.potentials:
        account = accounts[spec.account_code]
        value_services.set_potential(
            account,
            by=account.owner,
            wallet=Decimal(spec.wallet),
            share=Decimal(spec.share),
            growth_outlook=spec.growth_outlook,
            influence=spec.influence,
            referral_power=spec.referral_power,
            strategic_fit=spec.strategic_fit,
            note=spec.note,
        )
    return len(data.potentials)


def _tick_checklists(data: DemoData, accounts: dict[str, Account]) -> int:
    """What each account's stages say has been proven, ticked by its owner: one call of
    the service per account (some 2,500 items at scale 1)."""
    proofs: dict[str, list] = {}
    for spec in data.checks:
        proofs.setdefault(spec.account_code, []).append(
            (spec.track, spec.stage, spec.item, spec.note)
        )
    for code, items in proofs.items():
        account = accounts[code]
        account_services.prove_stage_items(account, items, by=account.owner)
    return len(data.checks)


def _import_lines(data: DemoData, say) -> int:
    """Write the ERP-style CSV to a temporary directory and hand it to the importer."""
    with tempfile.TemporaryDirectory(prefix="kam-demo-") as directory:
        path = Path(directory) / "demo-orders.csv"
        count = data.write_csv(path)
        say(_("Importing %(count)s order lines…") % {"count": f"{count:,}"})
        result = import_orders(path, source="demo", encoding="utf-8")
    return result.lines_added + result.lines_updated + result.lines_unchanged
