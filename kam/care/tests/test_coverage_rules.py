"""The coverage rules without a database: each warning appears, and goes once satisfied."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from kam.care import policy as care_policy
from kam.care.coverage import AMBER, GREEN, MET, RED, UNIDENTIFIED, UNMET, Person, Sponsor, assess
from kam.value.choices import Tier

pytestmark = pytest.mark.usefixtures("english")
"""The tests read the English sentences; without this they read whichever language the
test before left active (a request activates its own), zh-hans once it is translated."""

TODAY = date(2026, 6, 30)
POLICY = care_policy.build()


def met(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)


def covered() -> list[Person]:
    """A fully covered chain at a gold account: every influence met recently, all
    supportive, more than one contact."""
    return [
        Person(1, "Wang", ("decision_maker",), "supporter", 5, last_met_on=met(10)),
        Person(2, "Li", ("gatekeeper",), "mentor", 4, last_met_on=met(20)),
        Person(3, "Zhang", ("user", "coach"), "supporter", 3, last_met_on=met(5)),
    ]


SPONSOR = (Sponsor(9, "Boss"),)
RECENT = TODAY - timedelta(days=30)


def check(people, tier="gold", sponsors=SPONSOR, visit=RECENT):
    return assess(1, people, POLICY, TODAY, tier, sponsors, visit)


def kinds(coverage) -> list[str]:
    return [w.kind for w in coverage.warnings]


def test_a_covered_chain_is_green_with_no_warning():
    coverage = check(covered())
    assert coverage.status == GREEN and coverage.warnings == ()
    assert [f.state for f in coverage.influences] == [MET] * 4
    assert coverage.influences[0].met_by.name == "Wang"
    assert coverage.cadence_days == 60 and coverage.cadence_known


def test_a_missing_buyer_is_a_red_minefield_and_goes_once_identified():
    people = [p for p in covered() if p.id != 2]
    coverage = check(people)
    assert coverage.status == RED and "missing_influence" in kinds(coverage)
    assert coverage.influences[1].state == UNIDENTIFIED
    assert "gatekeeper" in [w.role for w in coverage.warnings]
    people.append(Person(4, "Zhao", ("gatekeeper",), "supporter", 3, last_met_on=met(1)))
    assert check(people).status == GREEN


def test_an_unmet_influence_is_a_minefield_until_met_within_the_cadence():
    people = covered()
    people[1] = replace(people[1], last_met_on=met(61))  # gold: 60 days
    coverage = check(people)
    assert coverage.status == RED and kinds(coverage) == ["unmet_influence"]
    assert coverage.influences[1].state == UNMET
    assert coverage.warnings[0].contact_ids == (2,)
    people[1] = replace(people[1], last_met_on=met(60))
    assert check(people).warnings == ()


def test_never_met_is_said_as_never():
    people = covered()
    people[0] = replace(people[0], last_met_on=None)
    warning = check(people).warnings[0]
    assert warning.kind == "unmet_influence" and "never met" in warning.message


def test_no_coach_is_amber_and_goes_once_a_coach_is_named():
    people = covered()
    people[2] = replace(people[2], roles=("user",))
    coverage = check(people)
    assert coverage.status == AMBER and kinds(coverage) == ["no_coach"]
    people[0] = replace(people[0], roles=("decision_maker", "coach"))
    assert check(people).status == GREEN


def test_an_unmet_coach_is_amber_not_a_minefield():
    people = covered()
    people[2] = replace(people[2], roles=("user",))
    people.append(Person(5, "Sun", ("coach",), "mentor", 2, last_met_on=met(200)))
    coverage = check(people)
    assert coverage.status == AMBER
    assert [(w.kind, w.severity) for w in coverage.warnings] == [("unmet_influence", AMBER)]


@pytest.mark.parametrize("support", ["non_supporter", "enemy"])
def test_a_hostile_decision_maker_is_red_until_won_over(support):
    people = covered()
    people[0] = replace(people[0], support=support)
    coverage = check(people)
    assert coverage.status == RED and "hostile_decision_maker" in kinds(coverage)
    people[0] = replace(people[0], support="neutral")
    assert "hostile_decision_maker" not in kinds(check(people))


def test_single_threaded_until_a_second_active_contact():
    one = [
        Person(
            1,
            "Wang",
            ("decision_maker", "gatekeeper", "user", "coach"),
            "mentor",
            5,
            last_met_on=met(1),
        )
    ]
    coverage = check(one)
    assert kinds(coverage) == ["single_threaded"] and coverage.status == AMBER
    two = [*one, Person(2, "Li", (), "", None)]
    assert check(two).warnings == ()


def test_no_contact_at_all_is_unidentified_everywhere_and_single_threaded():
    coverage = check([])
    assert [f.state for f in coverage.influences] == [UNIDENTIFIED] * 4
    assert "single_threaded" in kinds(coverage) and coverage.status == RED


def test_a_key_contact_who_left_recently_warns_until_long_gone():
    people = covered()
    people.append(Person(6, "Qian", (), "", 4, status="left", left_on=met(30)))
    coverage = check(people)
    assert kinds(coverage) == ["key_contact_left"] and coverage.warnings[0].contact_ids == (6,)
    people[-1] = replace(people[-1], left_on=met(181))
    assert check(people).warnings == ()


def test_a_key_contact_who_left_on_an_unknown_date_warns_and_a_minor_one_does_not():
    people = [*covered(), Person(6, "Qian", (), "", None, status="left", is_node=True)]
    assert kinds(check(people)) == ["key_contact_left"]
    people[-1] = replace(people[-1], is_node=False, influence=2)
    assert check(people).warnings == ()


def test_a_left_contact_does_not_fill_a_role():
    people = covered()
    people[0] = replace(people[0], status="left", left_on=met(400))
    coverage = check(people)
    assert coverage.influences[0].state == UNIDENTIFIED and coverage.status == RED


def test_most_key_players_not_supportive_until_half_are():
    people = covered()
    people[0] = replace(people[0], support="neutral")  # influence 5
    people[1] = replace(people[1], support="")  # influence 4, not known yet
    coverage = check(people)
    assert kinds(coverage) == ["unsupportive_key_players"]
    assert set(coverage.warnings[0].contact_ids) == {1, 2}
    people.append(Person(7, "Zhou", (), "supporter", 4))
    people.append(Person(8, "Wu", (), "mentor", 5))
    assert check(people).warnings == ()  # 2 of 4: not more than half


def test_no_sponsor_warns_only_for_key_tiers():
    assert kinds(check(covered(), sponsors=())) == ["no_sponsor"]
    assert check(covered(), tier="ordinary", sponsors=()).warnings == ()


def test_an_overdue_executive_visit_warns_until_a_new_visit():
    coverage = check(covered(), tier="diamond", visit=met(31))
    assert kinds(coverage) == ["sponsor_overdue"] and coverage.executive.overdue
    assert coverage.executive.due_on == met(1)
    fresh = check(covered(), tier="diamond", visit=met(30))
    assert fresh.warnings == () and fresh.executive.due_on == TODAY


def test_a_sponsor_who_never_visited_is_overdue():
    coverage = check(covered(), visit=None)
    assert coverage.executive.overdue and coverage.executive.due_on is None
    assert kinds(coverage) == ["sponsor_overdue"]


def test_ordinary_tier_has_no_executive_cadence():
    coverage = check(covered(), tier="ordinary", visit=None)
    assert coverage.executive.cadence_days is None and not coverage.executive.overdue


def test_an_unknown_tier_uses_the_default_cadence_and_says_so():
    coverage = check(covered(), tier="", sponsors=())
    assert coverage.cadence_days == 90 and not coverage.cadence_known
    assert not coverage.key_tier and coverage.warnings == ()


def test_the_policy_knows_the_value_tiers():
    assert set(care_policy.TIERS) == set(Tier.values)


def test_overrides_lay_over_the_defaults():
    policy = care_policy.build({"cadence_days": {"gold": 45}, "key_tiers": ["diamond"]})
    assert policy.cadence("gold") == (45, True) and policy.cadence("diamond") == (30, True)
    assert policy.is_key("diamond") and not policy.is_key("gold")


@pytest.mark.parametrize(
    "bad",
    [
        {"nonsense": 1},
        {"cadence_days": {"platinum": 30}},
        {"cadence_days": {"gold": 0}},
        {"cadence_days": {"gold": None}},
        {"unsupportive_share": 1.5},
        {"key_influence": 9},
        {"key_tiers": ["platinum"]},
    ],
)
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValidationError):
        care_policy.validate(bad)


def test_good_settings_pass():
    clean = care_policy.validate(
        {"executive_cadence_days": {"gold": None}, "unsupportive_share": 0.6}
    )
    assert clean == {"executive_cadence_days": {"gold": None}, "unsupportive_share": 0.6}
