"""Pure helpers of the decision chain as the People section shows it (no database): which
contacts are still there and which left, how each one's attitude moved, how far a
relationship is from where we want it. Tested without a database (tests/test_chain.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .choices import ContactStatus


@dataclass(frozen=True)
class AttitudeMove:
    """One change of a contact's support: when, who, from, to, why (labels resolved)."""

    at: Any
    by: str
    before: str
    after: str
    reason: str


def split_by_status(contacts: Iterable) -> tuple[list, list]:
    """The active contacts, then those who left (the latest leaver first; a leaver with no
    date known goes last) — a person who left is shown apart, never mixed with the chain."""
    active, left = [], []
    for contact in contacts:
        (left if contact.status == ContactStatus.LEFT else active).append(contact)
    left.sort(key=lambda c: (c.left_on is None, -(c.left_on.toordinal() if c.left_on else 0)))
    return active, left


def attitude_history(
    changes: Iterable, labels: Mapping[str, str], unknown: str
) -> dict[int, list[AttitudeMove]]:
    """Support changes (FieldChange-like rows, newest first) grouped by contact id, each
    value read through `labels`; an empty value is `unknown` (not known yet), never a
    made-up attitude."""
    out: dict[int, list[AttitudeMove]] = defaultdict(list)
    for change in changes:
        out[int(change.object_id)].append(
            AttitudeMove(
                at=change.changed_at,
                by=str(change.changed_by) if change.changed_by_id else "",
                before=labels.get(change.old_value, change.old_value) or unknown,
                after=labels.get(change.new_value, change.new_value) or unknown,
                reason=change.reason,
            )
        )
    return dict(out)


def relationship_gap(current: int | None, goal: int | None) -> int | None:
    """How many steps the relationship still has to climb; None when either end is unknown
    (unknown is not zero), 0 when it is where we want it or beyond."""
    if current is None or goal is None:
        return None
    return max(goal - current, 0)
