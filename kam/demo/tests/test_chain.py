"""The key accounts' decision chains in the demo: first as plain data (no database), then
as the services wrote them. The planted facts are what the coverage and path features
are demonstrated (and browser-tested) with, so they must hold at every seed and scale."""

from collections import defaultdict
from datetime import timedelta
from functools import cache

import pytest
from django.db.models import Max, Q

from kam.accounts.choices import TeamRole
from kam.accounts.models import AccountTeamMember
from kam.care.choices import MEETINGS, VisitKind
from kam.care.models import Visit
from kam.core.history import history_of
from kam.demo import chain as c
from kam.demo import generator as g
from kam.demo.services import build_demo
from kam.people.choices import HOSTILE, SUPPORTIVE, BuyingRole, ConnectionKind, ThirdPartyKind
from kam.people.models import Connection, Contact, ThirdParty
from kam.users.models import User

TINY = 0.02


@cache
def demo(scale: float = 1.0, seed: int = 2026) -> g.DemoData:
    return g.generate(seed=seed, scale=scale)


def charted(data: g.DemoData) -> list[str]:
    return list(dict.fromkeys(p.account_code for p in data.chain.people))


# --- as data ------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [TINY, 1.0])
def test_the_top_key_accounts_have_org_charts_of_8_to_20_people(scale):
    data = demo(scale)
    codes = charted(data)
    assert {"C00003", "C00004", "C00006", "C00011"} <= set(codes)
    assert set(codes) <= {a.code for a in g.key_accounts(data.accounts)}
    for code in codes:
        people = data.chain.people_of(code)
        assert 8 <= len(people) <= 20, code
        roles = {role for p in people for role in p.roles}
        assert roles == set(BuyingRole), code  # all four influences identified
        assert len({p.name for p in people}) == len(people)
    # their few plain contacts were replaced by the chart
    assert not {contact.account_code for contact in data.contacts} & set(codes)


def test_reporting_lines_form_one_tree_per_account():
    data = demo()
    for code in charted(data):
        people = {p.key: p for p in data.chain.people_of(code) if p.status == "active"}
        roots = [p for p in people.values() if p.reports_to is None]
        assert [p.title for p in roots] == ["总经理"]
        for person in people.values():
            seen = {person.key}
            while person.reports_to is not None:
                person = people[person.reports_to]  # the manager is on the same chart
                assert person.key not in seen
                seen.add(person.key)


def test_coaches_hostile_decision_makers_nodes_and_people_who_left_are_there():
    people = demo().chain.people
    coaches = [p for p in people if BuyingRole.COACH in p.roles]
    assert coaches and all(p.support in SUPPORTIVE for p in coaches)
    assert any(len(p.roles) > 1 for p in coaches)  # a coach holding another role
    hostile = [p for p in people if BuyingRole.DECISION_MAKER in p.roles and p.support in HOSTILE]
    planted = g.PLANTED["hostile"]
    assert (planted["account"], planted["contact"]) in {(p.account_code, p.name) for p in hostile}
    assert any(p.is_node for p in people)
    assert any(p.status == "left" and p.left_on for p in people)
    assert {p.level for p in people} == {"senior", "middle", "junior"}
    assert all(p.relationship_goal >= p.relationship for p in people)


def test_a_few_decision_makers_have_cards_one_with_a_leap_month_lunar_birthday():
    data = demo(TINY)
    people = {(p.account_code, p.key): p for p in data.chain.people}
    assert len(data.chain.cards) >= 4
    for card in data.chain.cards:
        assert BuyingRole.DECISION_MAKER in people[card.account_code, card.key].roles
    leap = [card for card in data.chain.cards if card.birthday_leap_month]
    assert [(card.birthday_calendar, card.birthday_year, card.birthday_month) for card in leap] == [
        ("lunar", 1976, 8)  # 1976 had a leap eighth month (闰八月)
    ]


def test_the_same_seed_gives_the_same_chains_and_the_planted_facts_hold_for_any_seed():
    assert demo(TINY, 7).chain == g.generate(seed=7, scale=TINY).chain
    assert demo(TINY, 7).chain != demo(TINY, 8).chain
    for seed in (7, 8):
        data = demo(TINY, seed)
        minefield = g.PLANTED["minefield"]
        assert minefield["contact"] in {p.name for p in data.chain.people_of(minefield["account"])}


def test_nobody_is_met_after_leaving_or_outside_the_history():
    data = demo()
    people = {(p.account_code, p.key): p for p in data.chain.people}
    for visit in data.chain.visits:
        assert data.calendar.first_day <= visit.day <= data.calendar.last_day
        assert visit.theirs
        for key in visit.theirs:
            left_on = people[visit.account_code, key].left_on
            assert left_on is None or visit.day < left_on


def test_planted_people_are_in_the_generator_planted_without_changing_its_accounts():
    assert g.PLANTED["covered"] == c.COVERED_ACCOUNT
    assert g.PLANTED.get("association_path")["third_party"] == c.ASSOCIATION_THIRD
    assert g.PLANTED.get("no such thing") is None
    assert all(code.startswith("C") for code in g.PLANTED)  # iteration: accounts only


# --- in the database ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One demo for the module's tests (they only read), removed afterwards."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            summary = build_demo(scale=TINY)
            yield summary
            transaction.set_rollback(True)


def _contact(planted: dict) -> Contact:
    return Contact.objects.get(account__code=planted["account"], name=planted["contact"])


def test_charts_were_written_through_the_services(built, db):
    data = demo(TINY)
    for code in charted(data):
        people = Contact.objects.filter(account__code=code)
        assert 8 <= people.count() <= 20
        assert people.filter(reports_to__isnull=False).exists()
        assert AccountTeamMember.objects.filter(
            account__code=code, role=TeamRole.EXECUTIVE_SPONSOR
        ).exists()
    hostile = _contact(g.PLANTED["hostile"])
    assert BuyingRole.DECISION_MAKER in hostile.roles
    assert [entry.new_value for entry in history_of(hostile, "support")] == ["enemy"]
    assert built.visits == Visit.objects.count() == len(data.chain.visits)
    assert Visit.objects.filter(kind=VisitKind.EXECUTIVE_VISIT).exists()
    assert Visit.objects.exclude(next_step="").filter(next_step_on__isnull=False).exists()


def test_every_contacts_last_met_is_their_latest_meeting(built, db):
    latest = dict(
        Visit.their_people.through.objects.filter(visit__kind__in=MEETINGS)
        .values_list("contact_id")
        .annotate(day=Max("visit__date"))
    )
    contacts = list(Contact.objects.all())
    assert any(contact.last_met_on for contact in contacts)
    for contact in contacts:
        assert contact.last_met_on == latest.get(contact.pk), contact.name


def test_the_minefield_account_has_exactly_one_influence_never_met(built, db):
    planted = g.PLANTED["minefield"]
    unmet = Contact.objects.filter(
        account__code=planted["account"], status="active", last_met_on__isnull=True
    ).exclude(roles=[])
    assert [(p.name, p.roles) for p in unmet] == [(planted["contact"], [planted["role"]])]


def test_the_covered_account_met_every_influence_in_its_last_month(built, db):
    last = demo(TINY).calendar.last_day
    influences = Contact.objects.filter(account__code=g.PLANTED["covered"], status="active")
    influences = [p for p in influences if p.roles]
    assert {role for p in influences for role in p.roles} == set(BuyingRole)
    assert all(p.last_met_on and p.last_met_on > last - timedelta(days=31) for p in influences)


def _neighbours(today) -> dict[tuple[str, int], set[tuple[str, int]]]:
    """The network as the Connection rows say, valid today, conflicts left out."""
    graph: dict = defaultdict(set)
    rows = (
        Connection.objects.alive()
        .exclude(kind=ConnectionKind.CONFLICT)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    )
    for row in rows:
        a, b = row._key("a"), row._key("b")
        graph[a].add(b)
        graph[b].add(a)
    return graph


def _reachable(graph, starts, goal, *, without=None, hops: int = 3) -> bool:
    """Whether `goal` is at most `hops` connections (two intermediaries) from a start."""
    frontier, seen = set(starts), set(starts)
    for _ in range(hops):
        frontier = {n for node in frontier for n in graph[node] if n != without} - seen
        if goal in frontier:
            return True
        seen |= frontier
    return False


def test_one_decision_maker_is_reachable_only_through_the_industry_association(built, db):
    planted = g.PLANTED["association_path"]
    target = _contact(planted)
    assert BuyingRole.DECISION_MAKER in target.roles and target.last_met_on is None
    third = ThirdParty.objects.get(name=planted["third_party"])
    assert third.kind == ThirdPartyKind.ASSOCIATION
    touching = Connection.objects.alive().filter(Q(a_contact=target) | Q(b_contact=target))
    assert {row.end("a") if row.b_contact == target else row.end("b") for row in touching} == {
        third
    }
    graph = _neighbours(demo(TINY).calendar.last_day)
    ours = {("user", pk) for pk in User.objects.values_list("pk", flat=True)}
    goal, door = ("contact", target.pk), ("third", third.pk)
    assert _reachable(graph, ours, goal, hops=2)  # boss — vice-chair — general manager
    assert not _reachable(graph, ours, goal, without=door)
    boss = User.objects.get(username="boss")
    assert Connection.objects.filter(
        a_user=boss, b_third=third, kind=ConnectionKind.ASSOCIATION
    ).exists()


def test_third_parties_and_an_old_connection_no_longer_valid(built, db):
    kinds = set(ThirdParty.objects.values_list("kind", flat=True))
    assert {
        ThirdPartyKind.ASSOCIATION,
        ThirdPartyKind.GOVERNMENT,
        ThirdPartyKind.CLASSMATE,
        ThirdPartyKind.FRIEND,
        ThirdPartyKind.FORMER_COLLEAGUE,
    } <= kinds
    last = demo(TINY).calendar.last_day
    assert Connection.objects.filter(valid_to__lt=last).exists()
    assert Connection.objects.filter(kind=ConnectionKind.INFLUENCES).exists()
    assert Connection.objects.filter(kind=ConnectionKind.CONFLICT).exists()
    assert Contact.objects.filter(business_line__isnull=False).exists()
    assert Contact.objects.filter(management_line__username="boss").exists()


def test_the_planted_cards_were_saved_with_the_leap_month_birthday_kept(built, db):
    """The cards reach the database through the card service: the leap-month lunar
    birthday comes back as entered, and each card's creation is on its log."""
    from kam.people.cards import birthday_of
    from kam.people.models import CardEvent, RelationshipCard

    specs = demo(TINY).chain.cards
    cards = RelationshipCard.objects.select_related("contact__account")
    assert cards.count() == len(specs) >= 5
    leap = next(s for s in specs if s.birthday_leap_month)
    card = next(
        c
        for c in cards
        if (c.contact.account.code, c.birthday_leap_month) == (leap.account_code, True)
    )
    given = birthday_of(card)
    assert (given.calendar, given.year, given.month, given.day, given.leap_month) == (
        "lunar",
        leap.birthday_year,
        leap.birthday_month,
        leap.birthday_day,
        True,
    )
    assert CardEvent.objects.filter(kind=CardEvent.Kind.CHANGED).count() == len(specs)
