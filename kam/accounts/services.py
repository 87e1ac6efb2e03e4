"""Writes to accounts. Views, the API, the CLI, the demo and the importer all call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.concurrency import Seen, Watched, lock, model_watch, refuse_if_stale
from kam.core.history import change, record_change
from kam.core.models import FieldChange

from . import stages
from .choices import StageTrack, TeamRole
from .models import Account, AccountTeamMember, Region, StageCheck, StageMilestone


def get_or_create_region(name: str) -> Region:
    region, _created = Region.objects.get_or_create(name=name.strip())
    return region


# The account's own data, changed only by those who may manage the account.
MASTER_FIELDS = (
    "name",
    "short_name",
    "code",
    "uscc",
    "industry",
    "region",
    "status",
    "parent",
    "referred_by",
    "owner",
)
# Of those, the ones whose every change history keeps (who, when, from, to).
TRACKED_FIELDS = ("region", "status", "parent")


def create_account(*, name: str, by=None, **fields) -> Account:
    account = Account(name=name.strip(), **fields)
    account.full_clean()
    account.save()
    if account.owner_id:
        add_team_member(account, account.owner, TeamRole.KAM)
    return account


@transaction.atomic
def change_owner(
    account: Account, new_owner, *, by=None, reason: str = "", seen: Seen | None = None
) -> Account:
    """Hand an account to another KAM.

    The new owner joins the team as KAM and the old one leaves that role (other roles
    stay), so the hand-over also hands over visibility; history keeps who had it.
    `seen` is what the user saw (kam.core.concurrency): refused if the owner changed since."""
    current = lock(account)
    refuse_if_stale(current, seen, [model_watch(current, "owner")])
    old_owner = current.owner
    record_change(
        account, "owner", current.owner_id, getattr(new_owner, "pk", None), by=by, reason=reason
    )
    account.owner = new_owner
    account.save(update_fields=["owner", "updated_at"])
    if old_owner is not None and old_owner != new_owner:
        remove_team_member(account, old_owner, TeamRole.KAM, by=by)
    if new_owner is not None:
        add_team_member(account, new_owner, TeamRole.KAM)
    return account


def master_watches(account: Account) -> list[Watched]:
    """Every master field as the stale-edit check compares it: the API's ETag covers them."""
    return [model_watch(account, name) for name in MASTER_FIELDS]


@transaction.atomic
def update_account(
    account: Account, *, by=None, reason: str = "", seen: Seen | None = None, **fields
) -> Account:
    """Change an account's master data (MASTER_FIELDS); owner, region, status and group
    changes are recorded in history, read from the row as it is under a lock. `seen` (the
    API's If-Match) is refused when a changed field moved on since the client read it."""
    unknown = set(fields) - set(MASTER_FIELDS)
    if unknown:
        raise ValueError(f"not master data of an account: {sorted(unknown)}")
    current = Account.objects.select_for_update().get(pk=account.pk)
    refuse_if_stale(current, seen, master_watches(current))
    owner = fields.pop("owner", current.owner)
    for name, value in fields.items():
        if name in TRACKED_FIELDS:
            record_change(current, name, getattr(current, name), value, by=by, reason=reason)
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if getattr(owner, "pk", None) != current.owner_id:
        change_owner(current, owner, by=by, reason=reason)
    account.refresh_from_db()
    return current


@transaction.atomic
def change_status(
    account: Account, status: str, *, by=None, reason: str = "", seen: Seen | None = None
) -> Account:
    current = lock(account)
    refuse_if_stale(current, seen, [model_watch(current, "status")])
    record_change(account, "status", current.status, status, by=by, reason=reason)
    account.status = status
    account.full_clean()
    account.save(update_fields=["status", "updated_at"])
    return account


def stage_watch(account: Account, field: str) -> Watched:
    """The stage a move starts from, as the page shows it and the service compares it."""
    return model_watch(account, field)


@transaction.atomic
def change_sales_stage(
    account: Account, stage: str, *, by=None, reason: str = "", seen: Seen | None = None
) -> Account:
    """Move the account to another of the four sales stages (M2); history keeps the move.
    A move up past unproven items or over a stage needs a reason (stage_gap)."""
    return _change_choice(
        account, "sales_stage", stage, by=by, reason=reason, seen=seen, track=StageTrack.SALES
    )


@transaction.atomic
def change_relationship_stage(
    account: Account, stage: str, *, by=None, reason: str = "", seen: Seen | None = None
) -> Account:
    """Move the account to another of the five relationship stages (M3), with history.
    A move up past unproven items or over a stage needs a reason (stage_gap)."""
    return _change_choice(
        account,
        "relationship_stage",
        stage,
        by=by,
        reason=reason,
        seen=seen,
        track=StageTrack.RELATIONSHIP,
    )


def ticked_items(account: Account, track: str) -> set[tuple[str, str]]:
    """(stage, item) of every checklist item proven on the account in this track."""
    return set(
        StageCheck.objects.filter(account=account, track=track, done=True).values_list(
            "stage", "item"
        )
    )


def stage_gap(account: Account, track: str, old: str, new: str) -> stages.Gap:
    """What a move from `old` to `new` would leave unproven (stages.gap), read now."""
    if old not in stages.stage_keys(track) or new not in stages.stage_keys(track):
        return stages.Gap()
    return stages.gap(track, old, new, ticked_items(account, track))


def gap_message(track: str, gap: stages.Gap) -> str:
    """The question a move with a gap asks: which stages it skips, which items are not
    proven, and that a reason is needed (history keeps it)."""
    parts = []
    if gap.skipped:
        parts.append(
            _("This move skips %(stages)s.")
            % {"stages": ", ".join(stages.label(track, s.key) for s in gap.skipped)}
        )
    for stage, items in gap.unproven:
        parts.append(
            _("Not proven in %(stage)s: %(items)s.")
            % {
                "stage": stages.label(track, stage.key),
                "items": "; ".join(str(item.label) for item in items),
            }
        )
    parts.append(_("Say why the account moves on all the same; history keeps the reason."))
    return " ".join(parts)


def _change_choice(
    account: Account, field: str, value: str, *, by, reason: str, seen: Seen | None, track: str
) -> Account:
    """The move starts from the stage read under the lock, so two moves made at once are
    recorded one after the other (the second "from" where the first went), never both
    from the same stage; a move made on a stale page is refused (`seen`). A move up that
    skips a stage or leaves items unproven is refused without a reason: the methodology's
    stages are what the customer has seen proven (M2, M3), so passing one unproven is a
    decision someone takes and explains, not a click."""
    current = lock(account)
    refuse_if_stale(current, seen, [stage_watch(current, field)])
    setattr(account, field, getattr(current, field))
    if getattr(current, field) == value:
        return account
    reason = reason.strip()
    gap = stage_gap(current, track, getattr(current, field), value)
    if gap and not reason:
        raise ValidationError(gap_message(track, gap), code="stage_gap")
    record_change(account, field, getattr(current, field), value, by=by, reason=reason)
    setattr(account, field, value)
    account.full_clean()
    account.save(update_fields=[field, "updated_at"])
    return account


def add_team_member(account: Account, user, role: str, department: str = "") -> AccountTeamMember:
    member, _created = AccountTeamMember.objects.get_or_create(
        account=account,
        user=user,
        role=role,
        defaults={"department": department or user.department},
    )
    return member


def removal_problem(account: Account, user, role: str) -> str:
    """Why this member may not leave the team ("" when they may): the owner stays as KAM."""
    if role == TeamRole.KAM and account.owner_id == getattr(user, "pk", user):
        return _("The owner stays on the team; hand the account over first.")
    return ""


@transaction.atomic
def remove_team_member(account: Account, user, role: str, *, by=None) -> None:
    """Under the account's lock, so two removals at once leave one history row; the owner's
    own KAM row stays (removal_problem)."""
    lock(account)
    problem = removal_problem(account, user, role)
    if problem:
        raise ValidationError(problem)
    deleted, _count = AccountTeamMember.objects.filter(
        account=account, user=user, role=role
    ).delete()
    if deleted:
        record_change(account, "team", f"{user.pk}:{role}", "", by=by)


@transaction.atomic
def delete_account(account: Account, *, by=None, reason: str = "") -> None:
    """Soft delete: the account disappears from lists but keeps its lines and can be restored."""
    record_change(account, "deleted", "", "yes", by=by, reason=reason)
    account.soft_delete()


@transaction.atomic
def restore_account(account: Account, *, by=None) -> None:
    record_change(account, "deleted", "yes", "", by=by)
    account.restore()


@transaction.atomic
def add_to_team(account: Account, user, role: str, *, department: str = "", by=None):
    """Someone joins the account's team from the account page; history keeps who added whom."""
    if role not in TeamRole.values:
        raise ValidationError(_("Unknown team role %(role)s.") % {"role": role})
    lock(account)  # two adds at once: one history row
    existed = AccountTeamMember.objects.filter(account=account, user=user, role=role).exists()
    member = add_team_member(account, user, role, department)
    if not existed:
        record_change(account, "team", "", f"{user.pk}:{role}", by=by)
    return member


def check_watches(account: Account, track: str, stage: str, item: str, check=None) -> list:
    """What a tick of one checklist item concerns: whether it is done, and its note.
    `check` is the item's StageCheck row (None when never ticked)."""
    field = f"stage_check.{track}.{stage}.{item}"
    label = _item_label(track, stage, item)
    done = Watched(
        field,
        label,
        _yes(bool(check and check.done)),
        lambda _v: _("done"),
        empty=_("not done"),
    )
    note = Watched(
        f"{field}.note",
        _("Note on “%(item)s”") % {"item": label},
        check.note if check else "",
        history=(f"{field}.note", field),
    )
    return [done, note]


def _item_label(track: str, stage: str, item: str) -> str:
    for entry in stages.stage(track, stage).checklist:
        if entry.key == item:
            return str(entry.label)
    return item


@transaction.atomic
def check_stage_item(
    account: Account,
    track: str,
    stage: str,
    item: str,
    *,
    done: bool,
    note: str = "",
    by=None,
    seen: Seen | None = None,
) -> StageCheck:
    """Tick (or untick) one thing a stage must prove, with a note on how it was proven.

    History keeps each tick and each change of the note, under
    `stage_check.<track>.<stage>.<item>`. The account's row lock serialises ticks of the
    same account; a tick made on a stale page is refused (`seen`)."""
    _refuse_unknown_item(track, stage, item)
    note = note.strip()
    current = lock(account)
    check, _created = StageCheck.objects.get_or_create(
        account=account, track=track, stage=stage, item=item
    )
    refuse_if_stale(current, seen, check_watches(current, track, stage, item, check))
    field = f"stage_check.{track}.{stage}.{item}"
    record_change(account, field, _yes(check.done), _yes(done), by=by, reason=note)
    if check.done == done and check.note != note:
        record_change(account, f"{field}.note", check.note, note, by=by)
    check.done, check.note = done, note
    check.checked_by, check.checked_at = by, timezone.now()
    check.save()
    return check


def _refuse_unknown_item(track: str, stage: str, item: str) -> None:
    if track not in StageTrack.values:
        raise ValidationError(_("Unknown stage track %(track)s.") % {"track": track})
    try:
        keys = stages.item_keys(track, stage)
    except KeyError:
        raise ValidationError(_("Unknown stage %(stage)s.") % {"stage": stage}) from None
    if item not in keys:
        raise ValidationError(_("Unknown checklist item %(item)s.") % {"item": item})


@transaction.atomic
def prove_stage_items(account: Account, proofs, *, by=None) -> int:
    """Tick many checklist items of one account at once — (track, stage, item, note)
    each — as
    check_stage_item would one by one (same rows, same history), under one lock and in a
    handful of queries: for the demo, imports and scripts, which have no page to be stale.
    Returns how many items were newly proven."""
    proofs = [(track, stage, item, note.strip()) for track, stage, item, note in proofs]
    for track, stage, item, _note in proofs:
        _refuse_unknown_item(track, stage, item)
    lock(account)
    existing = {(c.track, c.stage, c.item): c for c in StageCheck.objects.filter(account=account)}
    now = timezone.now()
    new, changed, history = [], [], []
    for track, stage, item, note in proofs:
        field = f"stage_check.{track}.{stage}.{item}"
        check = existing.get((track, stage, item))
        if check is None:
            check = StageCheck(account=account, track=track, stage=stage, item=item)
            new.append(check)
        elif check.done and check.note == note:
            continue
        else:
            changed.append(check)
        history.append(change(account, field, _yes(check.done), _yes(True), by=by, reason=note))
        if check.done and check.note != note:
            history.append(change(account, f"{field}.note", check.note, note, by=by))
        check.done, check.note, check.checked_by, check.checked_at = True, note, by, now
        check.updated_at = now  # bulk_update does not run auto_now
    StageCheck.objects.bulk_create(new)
    fields = ["done", "note", "checked_by", "checked_at", "updated_at"]
    StageCheck.objects.bulk_update(changed, fields)
    FieldChange.objects.bulk_create([entry for entry in history if entry is not None])
    return len(new) + len(changed)


def _yes(done: bool) -> str:
    return "done" if done else ""


def stage_milestones() -> dict[tuple[str, str], list]:
    """(track, stage) → its milestones: the company's own (StageMilestone rows) where it has
    set any for that stage, else the defaults of stages.py. One query."""
    own: dict[tuple[str, str], list] = {}
    for row in StageMilestone.objects.all():
        own.setdefault((row.track, row.stage), []).append(row)
    out = {}
    for track, track_stages in stages.TRACKS.items():
        for stage in track_stages:
            out[(track, stage.key)] = own.get((track, stage.key)) or list(stage.milestones)
    return out


@transaction.atomic
def copy_default_milestones(*, replace: bool = False) -> int:
    """Write the default milestones as company rows, in the active language, as a start
    for the company's own; stages that already have rows are left alone unless `replace`."""
    if replace:
        StageMilestone.objects.all().delete()
    have = set(StageMilestone.objects.values_list("track", "stage").distinct())
    rows = [
        StageMilestone(
            track=track,
            stage=stage.key,
            order=order,
            department=str(milestone.department),
            when=str(milestone.when),
            action=str(milestone.action),
        )
        for track, track_stages in stages.TRACKS.items()
        for stage in track_stages
        if (track, stage.key) not in have
        for order, milestone in enumerate(stage.milestones, start=1)
    ]
    StageMilestone.objects.bulk_create(rows)
    return len(rows)
