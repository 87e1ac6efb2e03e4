"""What each stage of an account's development must prove, and who helps prove it.

The four sales stages (METHODOLOGY M2, [001]) each ask the supplier to prove something
different: soundness to get on the vendor list, value in use in a trial, the whole
organisation's delivery at volume, and technology and innovation to become the sole or
preferred supplier. The five relationship stages (M3, [004]) describe how deep the
relationship goes. Here they are kept as data: a checklist per stage that a KAM ticks
per account, and default milestones — which departments take part, when, doing what
(跨部门协同) — that a company replaces with its own in the admin (StageMilestone).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import RelationshipStage, SalesStage, StageTrack


@dataclass(frozen=True)
class Item:
    key: str
    label: Promise


@dataclass(frozen=True)
class Milestone:
    department: Promise | str
    when: Promise | str
    action: Promise | str


@dataclass(frozen=True)
class Stage:
    key: str
    proves: Promise
    checklist: tuple[Item, ...]
    milestones: tuple[Milestone, ...]


SALES = (
    Stage(
        SalesStage.QUALIFIED,
        _(
            "Get on the approved vendor list: prove the company's financial health and "
            "sound operation, so the customer trusts us with a long-term supply."
        ),
        (
            Item("credentials", _("Licences, certifications and quality system submitted")),
            Item("financials", _("Financial health shown (audited statements, credit rating)")),
            Item("operations", _("Sound operation shown (factory audit or site visit passed)")),
            Item("references", _("References from comparable customers given")),
            Item("approved", _("On the customer's approved vendor list")),
        ),
        (
            Milestone(
                _("Sales"),
                _("At first contact"),
                _("Learn how the customer qualifies suppliers; lead the qualification."),
            ),
            Milestone(
                _("Finance"),
                _("Before the vendor audit"),
                _("Prepare audited statements, credit references and bank letters."),
            ),
            Milestone(
                _("Quality"),
                _("During the vendor audit"),
                _("Host the audit; show the quality system and certificates."),
            ),
            Milestone(
                _("Management"),
                _("Before the decision"),
                _("Visit the customer's management to show commitment to a long partnership."),
            ),
        ),
    ),
    Stage(
        SalesStage.TRIAL,
        _(
            "Small-batch trial: prove the product's value in use — it must really deliver "
            "what we promised, and the customer must see it for themselves."
        ),
        (
            Item("criteria", _("Trial scope, quantities and success criteria agreed")),
            Item("delivered", _("Samples or trial order delivered on time")),
            Item("measured", _("Results measured against the criteria")),
            Item("acknowledged", _("Users and decision makers acknowledge the value")),
            Item("issues_closed", _("Problems found in the trial resolved")),
        ),
        (
            Milestone(
                _("Technical"),
                _("Before the trial"),
                _("Agree application, specifications and acceptance criteria."),
            ),
            Milestone(
                _("Production"),
                _("Trial order"),
                _("Deliver the trial batch on time and traceable."),
            ),
            Milestone(
                _("Service"),
                _("During the trial"),
                _("Support on site; measure and record the results."),
            ),
            Milestone(
                _("Sales"),
                _("After the trial"),
                _("Review the results with the customer; turn the proven value into the offer."),
            ),
        ),
    ),
    Stage(
        SalesStage.VOLUME,
        _(
            "Volume ramp: prove continuous supply and dependable delivery — what we sell "
            "now is the whole organisation's ability to deliver."
        ),
        (
            Item("forecast", _("Volume forecast and framework agreement in place")),
            Item("capacity", _("Capacity and stock planned for the ramp")),
            Item("delivery", _("On-time delivery and quality tracked and on target")),
            Item("service_team", _("Service team and escalation path named")),
            Item("reviews", _("Regular business reviews held with the customer")),
        ),
        (
            Milestone(
                _("Sales"),
                _("Framework agreement"),
                _("Agree volumes, prices and terms; pass the forecast to planning."),
            ),
            Milestone(
                _("Production"),
                _("Before the ramp"),
                _("Reserve capacity and set safety stock."),
            ),
            Milestone(
                _("Logistics"),
                _("Every month"),
                _("Deliver on time; report on-time delivery to the account team."),
            ),
            Milestone(
                _("Service"),
                _("Ongoing"),
                _("Answer complaints within the agreed time; find and fix root causes."),
            ),
            Milestone(
                _("Finance"),
                _("Every month"),
                _("Watch credit, receivables and payments."),
            ),
        ),
    ),
    Stage(
        SalesStage.SOLE,
        _(
            "Sole or preferred supplier: grow with the customer through technology, change "
            "and innovation — join their new product development early."
        ),
        (
            Item("early_rnd", _("Involved early in the customer's new product development")),
            Item("joint_project", _("A joint development or improvement project running")),
            Item("roadmaps", _("Technology roadmaps shared")),
            Item("preferred", _("Named preferred or sole supplier")),
            Item("sponsors", _("Executive sponsors on both sides meet regularly")),
        ),
        (
            Milestone(
                _("R&D"),
                _("When the customer plans a new product"),
                _("Co-develop: send engineers, share samples and test data."),
            ),
            Milestone(
                _("Management"),
                _("Every year"),
                _("Executive meeting; agree the strategic cooperation."),
            ),
            Milestone(
                _("Sales"),
                _("Every quarter"),
                _("Review the joint account plan with the customer."),
            ),
            Milestone(
                _("Quality"),
                _("Ongoing"),
                _("Manage changes jointly; bring improvement and innovation proposals."),
            ),
        ),
    ),
)

RELATIONSHIP = (
    Stage(
        RelationshipStage.EXPLORATORY,
        _("Preparation: both sides are looking for a chance to work together."),
        (
            Item("needs", _("The customer's needs and buying process understood")),
            Item("contacts", _("Contact made with the key people")),
            Item("opening", _("A concrete opening for business found")),
        ),
        (
            Milestone(
                _("Sales"),
                _("First months"),
                _("Map the decision chain and the customer's needs."),
            ),
            Milestone(
                _("Technical"),
                _("When a need is found"),
                _("Meet the customer's engineers; propose a solution."),
            ),
        ),
    ),
    Stage(
        RelationshipStage.BASIC,
        _("Working together begins: both sides adjust to each other."),
        (
            Item("first_deal", _("First business done")),
            Item("adjusted", _("Our processes adjusted to the customer's requirements")),
            Item("beyond_buyer", _("Contacts beyond the purchasing department")),
            Item("fast_fixes", _("Problems handled fast, fixing before blaming")),
        ),
        (
            Milestone(
                _("Service"),
                _("After the first deliveries"),
                _("Visit users; collect and fix problems quickly."),
            ),
            Milestone(
                _("Sales"),
                _("Every month"),
                _("Regular contact with buyers and users."),
            ),
        ),
    ),
    Stage(
        RelationshipStage.COOPERATIVE,
        _("Past the trial period, trust is built — but the customer still buys from others."),
        (
            Item("trusted", _("The customer trusts our delivery and quality")),
            Item("share_known", _("Our share and our competitors known")),
            Item("regular_contact", _("Regular contact with the key people")),
            Item("after_sales", _("After-sales service in place")),
        ),
        (
            Milestone(
                _("Sales"),
                _("Every quarter"),
                _("Business review: our share, competitors, the next opportunity."),
            ),
            Milestone(
                _("Management"),
                _("Every year"),
                _("Visit the customer's management."),
            ),
        ),
    ),
    Stage(
        RelationshipStage.INTERDEPENDENT,
        _("Broader cooperation across products and departments; loyalty is built."),
        (
            Item("broad", _("Business across several product lines or departments")),
            Item("loyal", _("The customer comes to us first")),
            Item("team", _("A cross-department account team in place")),
            Item("exec_visits", _("Executives of both sides visit each other")),
        ),
        (
            Milestone(
                _("Management"),
                _("Twice a year"),
                _("Executive visits both ways."),
            ),
            Milestone(
                _("R&D"),
                _("Ongoing"),
                _("Work on the customer's needs ahead of time."),
            ),
        ),
    ),
    Stage(
        RelationshipStage.ALLIANCE,
        _("A strategic partnership: the two sides' resources complement each other."),
        (
            Item("agreement", _("Strategic cooperation agreement signed")),
            Item("joint_plan", _("A joint yearly plan made")),
            Item("resources", _("Resources shared (technology, channels, capacity)")),
            Item("long_term", _("Long-term commitment from both managements")),
        ),
        (
            Milestone(
                _("Management"),
                _("Every year"),
                _("Strategic meeting; renew the joint plan."),
            ),
            Milestone(
                _("All departments"),
                _("Ongoing"),
                _("Work to the joint plan; report progress every quarter."),
            ),
        ),
    ),
)

TRACKS: dict[str, tuple[Stage, ...]] = {
    StageTrack.SALES: SALES,
    StageTrack.RELATIONSHIP: RELATIONSHIP,
}


def stages(track: str) -> tuple[Stage, ...]:
    return TRACKS[track]


def stage(track: str, key: str) -> Stage:
    for candidate in TRACKS[track]:
        if candidate.key == key:
            return candidate
    raise KeyError(f"no {track} stage {key!r}")


def label(track: str, key: str) -> str:
    """The stage's name in the active language."""
    choices = SalesStage if track == StageTrack.SALES else RelationshipStage
    return str(choices(key).label)


def stage_keys(track: str) -> list[str]:
    """The track's stage keys, in order."""
    return [s.key for s in TRACKS[track]]


def item_keys(track: str, stage_key: str) -> set[str]:
    return {item.key for item in stage(track, stage_key).checklist}


@dataclass(frozen=True)
class Gap:
    """What a move up a track leaves unproven: the stages it jumps over, and per stage it
    leaves behind (the one it starts from and the skipped ones) the checklist items not
    ticked. Empty when the move is one step from a fully proven stage, or a move down."""

    skipped: tuple[Stage, ...] = ()
    unproven: tuple[tuple[Stage, tuple[Item, ...]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.skipped or self.unproven)


def gap(track: str, old: str, new: str, ticked: set[tuple[str, str]]) -> Gap:
    """The gap of a move from stage `old` to `new`; `ticked` holds (stage, item) of the
    items proven on the account. Moving back (down) or staying needs no proof."""
    keys = stage_keys(track)
    start, end = keys.index(old), keys.index(new)
    if end <= start:
        return Gap()
    left = TRACKS[track][start:end]
    unproven = tuple(
        (passed, missing)
        for passed in left
        if (missing := tuple(i for i in passed.checklist if (passed.key, i.key) not in ticked))
    )
    return Gap(skipped=left[1:], unproven=unproven)
