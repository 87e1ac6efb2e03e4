"""Coverage of the decision chain and the minefield (METHODOLOGY M5.2), and the executive
sponsor's visits (M6.3): pure rules over plain data, tested without a database. The
loader (kam.care.coverage_loader) builds the data from the database.

The four buying influences (decision maker, technical gatekeeper, user, coach) are each
- "unidentified": no active contact holds the role;
- "unmet": someone holds it, but nobody holding it was met face to face within the
  account's cadence (kam.care.policy: per tier; the default when the tier is unknown);
- "met": one of them was, and we say who and when.

Warnings, each with a kind, a severity and words:
- ``missing_influence`` (red for the three buyers — M5.2's minefield: "if even one buyer is
  unidentified or has never been visited"); for the coach the warning is ``no_coach``
  (amber: a coach guides us but does not buy);
- ``unmet_influence`` (red for a buyer, amber for the coach): the minefield's second half;
- ``hostile_decision_maker`` (red): an active decision maker who is a non-supporter or enemy;
- ``single_threaded`` (amber): at most `single_threaded_at` active contacts;
- ``key_contact_left`` (amber): a key contact (buying role, influence >= key_influence, or
  node person) who left recently (or on a date we do not know);
- ``unsupportive_key_players`` (amber): more than `unsupportive_share` of the active key
  players are not mentors or supporters (not known yet counts as not supportive: we
  cannot count on them);
- ``no_sponsor`` (amber): a key-tier account without an executive sponsor;
- ``sponsor_overdue`` (amber): the sponsor's last executive visit is older than the
  tier's executive cadence, or there was none.

Status: red when any warning is red (a minefield or a hostile decision maker), amber when
any is amber, green when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.people.choices import HOSTILE, SUPPORTIVE, BuyingRole, ContactStatus, Support

from .policy import Policy

RED, AMBER, GREEN = "red", "amber", "green"
UNIDENTIFIED, UNMET, MET = "unidentified", "unmet", "met"
STATE_LABELS = {
    UNIDENTIFIED: gettext_lazy("Unidentified"),
    UNMET: gettext_lazy("Identified, not met within the cadence"),
    MET: gettext_lazy("Met"),
}
STATUS_LABELS = {
    RED: gettext_lazy("Red"),
    AMBER: gettext_lazy("Amber"),
    GREEN: gettext_lazy("Green"),
}
BUYERS = (BuyingRole.DECISION_MAKER, BuyingRole.GATEKEEPER, BuyingRole.USER)
ROLES = (*BUYERS, BuyingRole.COACH)


@dataclass(frozen=True)
class Person:
    """A customer contact as the rules see it."""

    id: int
    name: str
    roles: tuple = ()
    support: str = ""
    influence: int | None = None
    status: str = ContactStatus.ACTIVE
    left_on: date | None = None
    last_met_on: date | None = None
    is_node: bool = False

    @property
    def active(self) -> bool:
        return self.status != ContactStatus.LEFT


@dataclass(frozen=True)
class Sponsor:
    """One of our people who is the account's executive sponsor."""

    user_id: int
    name: str


@dataclass(frozen=True)
class Warning:
    kind: str
    severity: str
    message: str
    contact_ids: tuple = ()
    role: str = ""


@dataclass(frozen=True)
class Influence:
    role: str
    label: str
    state: str
    holders: tuple  # the active Persons holding the role, best met first
    met_by: Person | None = None  # who was met within the cadence (most recent)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def last_met_on(self) -> date | None:
        """The most recent meeting with anyone holding the role (None: never met)."""
        return max((p.last_met_on for p in self.holders if p.last_met_on), default=None)


@dataclass(frozen=True)
class ExecutiveCare:
    """The executive sponsor(s) and their last executive visit against the cadence."""

    sponsors: tuple
    last_visit_on: date | None
    cadence_days: int | None  # None: the tier has no executive cadence
    due_on: date | None  # None: no cadence, or never visited (then overdue)
    overdue: bool


@dataclass(frozen=True)
class Coverage:
    account_id: int
    tier: str  # "" when unknown
    cadence_days: int
    cadence_known: bool  # False: the tier is unknown and the default cadence was used
    key_tier: bool
    influences: tuple
    warnings: tuple
    status: str
    executive: ExecutiveCare
    active_contacts: int = 0

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _role_label(role: str) -> str:
    return str(BuyingRole(role).label)


def _within(met: date | None, today: date, days: int) -> bool:
    return met is not None and (today - met).days <= days


def influence(role: str, active: Sequence[Person], today: date, days: int) -> Influence:
    """One buying influence's state among the active contacts."""
    holders = sorted(
        (p for p in active if role in p.roles),
        key=lambda p: (p.last_met_on is None, -(p.last_met_on or date.min).toordinal(), p.name),
    )
    met = [p for p in holders if _within(p.last_met_on, today, days)]
    state = UNIDENTIFIED if not holders else MET if met else UNMET
    return Influence(role, _role_label(role), state, tuple(holders), met[0] if met else None)


def _influence_warnings(found: Influence, days: int) -> list[Warning]:
    buyer = found.role in BUYERS
    severity = RED if buyer else AMBER
    label = found.label
    if found.state == UNIDENTIFIED:
        if not buyer:
            return [
                Warning("no_coach", AMBER, _("No coach: nobody inside guides us."), (), "coach")
            ]
        return [
            Warning(
                "missing_influence",
                RED,
                _("Minefield: no %(role)s identified.") % {"role": label.lower()},
                (),
                found.role,
            )
        ]
    if found.state == UNMET:
        names = ", ".join(p.name for p in found.holders)
        if found.last_met_on is None:
            text = _("%(role)s %(names)s never met face to face.")
        else:
            text = _("%(role)s %(names)s not met in the last %(days)s days.")
        prefix = _("Minefield: ") if buyer else ""
        message = prefix + text % {"role": label, "names": names, "days": days}
        ids = tuple(p.id for p in found.holders)
        return [Warning("unmet_influence", severity, message, ids, found.role)]
    return []


def _hostile_decision_makers(active: Sequence[Person]) -> list[Warning]:
    return [
        Warning(
            "hostile_decision_maker",
            RED,
            _("Decision maker %(name)s is a %(support)s.")
            % {"name": p.name, "support": _support_label(p.support).lower()},
            (p.id,),
            BuyingRole.DECISION_MAKER,
        )
        for p in active
        if BuyingRole.DECISION_MAKER in p.roles and p.support in HOSTILE
    ]


def _support_label(support: str) -> str:
    return str(Support(support).label)


def _is_key(person: Person, policy: Policy) -> bool:
    influential = person.influence is not None and person.influence >= policy.key_influence
    return bool(person.roles) or influential or person.is_node


def _left(people: Iterable[Person], policy: Policy, today: date) -> list[Warning]:
    """Key contacts who left recently, or on a date we do not know."""
    out = []
    for p in people:
        if p.active or not _is_key(p, policy):
            continue
        if p.left_on is not None and (today - p.left_on).days > policy.left_recent_days:
            continue
        if p.left_on is None:
            text = _("Key contact %(name)s left (date unknown): fill their place in the chain.")
        else:
            text = _("Key contact %(name)s left on %(date)s: fill their place in the chain.")
        message = text % {"name": p.name, "date": p.left_on}
        out.append(Warning("key_contact_left", AMBER, message, (p.id,)))
    return out


def _unsupportive(active: Sequence[Person], policy: Policy) -> list[Warning]:
    """Altify's "most key players not supportive", over contacts of high influence."""
    key = [p for p in active if p.influence is not None and p.influence >= policy.key_influence]
    if not key:
        return []
    against = [p for p in key if p.support not in SUPPORTIVE]
    if len(against) / len(key) <= policy.unsupportive_share:
        return []
    message = _("%(n)s of %(total)s key players are not supportive.") % {
        "n": len(against),
        "total": len(key),
    }
    return [Warning("unsupportive_key_players", AMBER, message, tuple(p.id for p in against))]


def _single_threaded(active: Sequence[Person], policy: Policy) -> list[Warning]:
    if len(active) > policy.single_threaded_at:
        return []
    if not active:
        message = _("Single-threaded: no active contact is known at this account.")
    else:
        message = _("Single-threaded: %(name)s is our only active contact.") % {
            "name": active[0].name
        }
    return [Warning("single_threaded", AMBER, message, tuple(p.id for p in active))]


def executive_care(
    sponsors: Sequence[Sponsor], last_visit_on: date | None, cadence: int | None, today: date
) -> ExecutiveCare:
    """The sponsor's visits against the tier's executive cadence (M6.3)."""
    due = None
    overdue = False
    if sponsors and cadence is not None:
        if last_visit_on is None:
            overdue = True
        else:
            due = date.fromordinal(last_visit_on.toordinal() + cadence)
            overdue = due < today
    return ExecutiveCare(tuple(sponsors), last_visit_on, cadence, due, overdue)


def _executive_warnings(care: ExecutiveCare, key_tier: bool) -> list[Warning]:
    if not care.sponsors:
        if key_tier:
            return [Warning("no_sponsor", AMBER, _("No executive sponsor for a key account."))]
        return []
    if not care.overdue:
        return []
    if care.last_visit_on is None:
        message = _("The executive sponsor has made no executive visit yet.")
    else:
        message = _("Executive visit overdue since %(date)s (every %(days)s days).") % {
            "date": care.due_on,
            "days": care.cadence_days,
        }
    return [Warning("sponsor_overdue", AMBER, message)]


def status_of(warnings: Iterable[Warning]) -> str:
    """Red when any warning is red, amber when any is amber, green otherwise."""
    severities = {w.severity for w in warnings}
    if RED in severities:
        return RED
    return AMBER if AMBER in severities else GREEN


def assess(
    account_id: int,
    people: Sequence[Person],
    policy: Policy,
    today: date,
    tier: str = "",
    sponsors: Sequence[Sponsor] = (),
    last_executive_visit: date | None = None,
) -> Coverage:
    """The account's coverage, warnings and status from its contacts and sponsor."""
    days, known = policy.cadence(tier)
    active = [p for p in people if p.active]
    found = tuple(influence(role, active, today, days) for role in ROLES)
    care = executive_care(sponsors, last_executive_visit, policy.executive_cadence(tier), today)
    key_tier = policy.is_key(tier)
    warnings = [w for f in found for w in _influence_warnings(f, days)]
    warnings += _hostile_decision_makers(active)
    warnings += _single_threaded(active, policy)
    warnings += _left(people, policy, today)
    warnings += _unsupportive(active, policy)
    warnings += _executive_warnings(care, key_tier)
    warnings.sort(key=lambda w: w.severity != RED)
    return Coverage(
        account_id=account_id,
        tier=tier,
        cadence_days=days,
        cadence_known=known,
        key_tier=key_tier,
        influences=found,
        warnings=tuple(warnings),
        status=status_of(warnings),
        executive=care,
        active_contacts=len(active),
    )


def sort_key(coverage: Coverage) -> tuple:
    """Portfolio order: red first, then amber, then green; more warnings first."""
    return ({RED: 0, AMBER: 1, GREEN: 2}[coverage.status], -len(coverage.warnings))
