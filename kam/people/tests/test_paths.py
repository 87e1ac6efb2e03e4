"""The path finder on small graphs, without a database (kam.people.paths)."""

from datetime import date

import pytest

from kam.people.choices import ConnectionKind
from kam.people.paths import Link, Person, executives, find_paths

pytestmark = pytest.mark.usefixtures("english")
"""The tests read the English sentences; without this they read whichever language the
test before left active (a request activates its own), zh-hans once it is translated."""

TODAY = date(2026, 6, 1)

CEO = Person("user", 1, "Our CEO", executive=True)
KAM = Person("user", 2, "Li (KAM)")
WANG = Person("third", 1, "Wang", "vice-chair, provincial steel association")
ZHAO = Person("third", 2, "Zhao", "old friend")
QIAN = Person("third", 3, "Qian", "classmate")
GM = Person("contact", 1, "Chen", "general manager, the customer", account_id=7)
BUYER = Person("contact", 2, "Sun", "purchasing, the customer", account_id=7)

PEOPLE = {p.key: p for p in (CEO, KAM, WANG, ZHAO, QIAN, GM, BUYER)}


def link(n, a, b, kind=ConnectionKind.FRIEND, strength=3, **dates):
    return Link(n, a.key, b.key, kind, strength, **dates)


def paths(links, *, starts=None, target=GM, **options):
    starts = executives(PEOPLE) if starts is None else [p.key for p in starts]
    return find_paths(PEOPLE, links, target.key, starts, on=TODAY, **options)


def test_the_explained_path_through_an_association():
    found = paths(
        [
            link(1, CEO, WANG, ConnectionKind.EMBA, 4),
            link(2, WANG, GM, ConnectionKind.REGULATES, 3),
        ]
    )
    assert len(found) == 1
    assert found[0].sentence() == (
        "Our CEO — EMBA classmate of (strong) — Wang, vice-chair, provincial steel "
        "association — regulator of (medium) — Chen, general manager, the customer"
    )
    assert found[0].start == CEO


def test_a_directed_kind_reads_its_inverse_backwards():
    found = paths([link(1, GM, CEO, ConnectionKind.ADVISES, 3)])
    assert found[0].hops[0].reads == "advised by"


def test_the_shortest_comes_first_when_as_strong():
    found = paths(
        [
            link(1, CEO, GM, strength=3),
            link(2, CEO, WANG, strength=3),
            link(3, WANG, GM, strength=3),
        ]
    )
    assert [len(p.hops) for p in found] == [1, 2]


def test_the_strongest_weakest_hop_comes_first():
    found = paths(
        [
            link(1, CEO, GM, strength=2),
            link(2, CEO, WANG, strength=5),
            link(3, WANG, GM, strength=4),
        ]
    )
    assert [p.weakest for p in found] == [4, 2]
    assert found[0].intermediaries == [WANG]


def test_the_sum_breaks_a_tie_of_weakest_and_length():
    found = paths(
        [
            link(1, CEO, WANG, strength=3),
            link(2, WANG, GM, strength=3),
            link(3, CEO, ZHAO, strength=5),
            link(4, ZHAO, GM, strength=3),
        ]
    )
    assert [p.intermediaries for p in found] == [[ZHAO], [WANG]]


def test_at_most_one_intermediary_by_default():
    chain = [link(1, CEO, WANG), link(2, WANG, ZHAO), link(3, ZHAO, GM)]
    assert paths(chain) == []


def test_two_intermediaries_on_request_and_never_three():
    chain = [link(1, CEO, WANG), link(2, WANG, ZHAO), link(3, ZHAO, GM)]
    found = paths(chain, max_intermediaries=2)
    assert [p.intermediaries for p in found] == [[WANG, ZHAO]]
    longer = [link(1, CEO, WANG), link(2, WANG, ZHAO), link(3, ZHAO, QIAN), link(4, QIAN, GM)]
    assert paths(longer, max_intermediaries=2) == []
    with pytest.raises(ValueError):
        paths(longer, max_intermediaries=3)


def test_no_path_without_a_recorded_connection():
    assert paths([link(1, CEO, WANG), link(2, ZHAO, GM)]) == []


def test_a_connection_outside_its_dates_is_not_used():
    ended = [link(1, CEO, WANG, valid_to=date(2026, 5, 31)), link(2, WANG, GM)]
    assert paths(ended) == []
    future = [link(1, CEO, WANG, valid_from=date(2026, 6, 2)), link(2, WANG, GM)]
    assert paths(future) == []
    on_the_edges = [
        link(1, CEO, WANG, valid_to=TODAY),
        link(2, WANG, GM, valid_from=TODAY),
    ]
    assert len(paths(on_the_edges)) == 1


def test_a_conflict_opens_no_door():
    assert paths([link(1, CEO, GM, ConnectionKind.CONFLICT, 5)]) == []


def test_the_strongest_of_two_connections_between_a_pair_is_walked():
    found = paths([link(1, CEO, GM, strength=2), link(2, GM, CEO, ConnectionKind.EMBA, 5)])
    assert len(found) == 1
    assert found[0].hops[0].link.id == 2


def test_a_colleague_at_the_same_customer_may_be_a_hop():
    found = paths([link(1, CEO, BUYER, ConnectionKind.BUSINESS, 4), link(2, BUYER, GM, strength=4)])
    assert found[0].intermediaries == [BUYER]


def test_our_own_people_are_not_intermediaries():
    assert paths([link(1, CEO, KAM, strength=5), link(2, KAM, GM, strength=5)]) == []
    found = paths([link(2, KAM, GM, strength=5)], starts=[KAM])
    assert found[0].start == KAM


def test_by_default_only_executives_start():
    assert paths([link(1, KAM, GM, strength=5)]) == []
