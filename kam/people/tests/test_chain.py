"""The decision chain's pure helpers, without a database."""

from datetime import date, datetime
from types import SimpleNamespace

from kam.people.chain import attitude_history, relationship_gap, split_by_status

LABELS = {"mentor": "Mentor", "enemy": "Enemy", "neutral": "Neutral"}


def person(name, status="active", left_on=None):
    return SimpleNamespace(name=name, status=status, left_on=left_on)


def change(object_id, old, new, by=None, reason=""):
    return SimpleNamespace(
        object_id=object_id,
        old_value=old,
        new_value=new,
        changed_at=datetime(2025, 1, 1),
        changed_by=by,
        changed_by_id=1 if by else None,
        reason=reason,
    )


def test_those_who_left_are_apart_the_latest_first_and_undated_last():
    people = [
        person("a"),
        person("b", "left", date(2024, 1, 1)),
        person("c", "left", None),
        person("d", "left", date(2025, 5, 1)),
        person("e"),
    ]
    active, left = split_by_status(people)
    assert [p.name for p in active] == ["a", "e"]
    assert [p.name for p in left] == ["d", "b", "c"]


def test_attitude_history_groups_by_contact_and_says_unknown_for_empty():
    rows = [
        change("7", "neutral", "enemy", by="王", reason="lost the tender"),
        change("7", "", "neutral"),
        change("9", "mentor", ""),
    ]
    history = attitude_history(rows, LABELS, "not known")
    assert [(m.before, m.after, m.by, m.reason) for m in history[7]] == [
        ("Neutral", "Enemy", "王", "lost the tender"),
        ("not known", "Neutral", "", ""),
    ]
    assert [(m.before, m.after) for m in history[9]] == [("Mentor", "not known")]


def test_the_relationship_gap_is_unknown_when_an_end_is_unknown():
    assert relationship_gap(2, 4) == 2
    assert relationship_gap(4, 3) == 0
    assert relationship_gap(None, 4) is None
    assert relationship_gap(2, None) is None
