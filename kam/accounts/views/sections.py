"""The accounts app's sections of the account page: master data, the account team and the
stage tracks with their checklists (see kam.accounts.sections for how sections work).

Each endpoint validates a form, hands it to a service (which keeps history and refuses a
stale edit) and says Saved or Refused; the shell answers the page or the section."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts import services, stages
from kam.accounts.access import Action
from kam.accounts.choices import RelationshipStage, SalesStage, StageTrack, TeamRole
from kam.accounts.forms import StageChangeForm, StageCheckForm, TeamAddForm, TeamRemoveForm
from kam.accounts.models import Account, AccountTeamMember
from kam.accounts.sections import HEADER, Endpoint, Page, Refused, Saved, Section, register, submit
from kam.core.concurrency import seen_token
from kam.core.history import history_of

STAGE_FIELDS = ("sales_stage", "relationship_stage")
STAGE_LABELS = dict(SalesStage.choices) | dict(RelationshipStage.choices)


# ---------------------------------------------------------------- master data


@dataclass
class Related:
    parent_visible: bool = False
    referrer_visible: bool = False
    subsidiaries: list = field(default_factory=list)
    referrals: list = field(default_factory=list)


def master_context(page: Page) -> dict:
    return {"related": related_accounts(page.user, page.account)}


def related_accounts(user, account: Account) -> Related:
    """Group, subsidiaries, referrer and referrals the user may open; one query. The group
    and referrer are named even when the user may not open them: knowing a customer
    belongs to a group is part of knowing the customer."""
    linked = [pk for pk in (account.parent_id, account.referred_by_id) if pk]
    rows = (
        Account.objects.restrict(user)
        .filter(Q(parent=account) | Q(referred_by=account) | Q(pk__in=linked))
        .exclude(pk=account.pk)
        .only("id", "name", "code", "parent_id", "referred_by_id")
        .order_by("name", "id")
    )
    related = Related()
    for row in rows:
        related.parent_visible |= row.pk == account.parent_id
        related.referrer_visible |= row.pk == account.referred_by_id
        if row.parent_id == account.pk:
            related.subsidiaries.append(row)
        if row.referred_by_id == account.pk:
            related.referrals.append(row)
    return related


# ---------------------------------------------------------------- team


def team_context(page: Page) -> dict:
    """The team, each member removable unless the owner's KAM row, and the add form."""
    may_team = page.may(Action.MANAGE_TEAM)
    team = page.team()
    for member in team:
        member.removable = may_team and not (
            member.role == TeamRole.KAM and member.user_id == page.account.owner_id
        )
    return {
        "team": team,
        "add_form": page.form("team_add", TeamAddForm) if may_team else None,
        "team_error": page.bound.get("team_error"),
    }


def team_add(page: Page) -> Saved | Refused:
    """Put someone on the account team (history keeps it)."""
    account, by = page.account, page.user
    return submit(
        TeamAddForm(page.request.POST),
        "team_add",
        lambda data: services.add_to_team(
            account, data["user"], data["role"], department=data["department"], by=by
        ),
        "team",
    )


def team_remove(page: Page) -> Saved | Refused:
    """Take someone off the team; the owner's own KAM row stays (the service says why)."""
    form = TeamRemoveForm(page.request.POST)
    member = None
    if form.is_valid():
        member = (
            AccountTeamMember.objects.filter(account=page.account, pk=form.cleaned_data["member"])
            .select_related("user")
            .first()
        )
    if member is None:
        return Refused({"team_error": _("That person is not on this account's team.")})
    try:
        services.remove_team_member(page.account, member.user, member.role, by=page.user)
    except ValidationError as error:
        return Refused({"team_error": " ".join(error.messages)})
    return Saved("team")


# ---------------------------------------------------------------- stages


def stages_context(page: Page) -> dict:
    """Both tracks with their checklists and stage forms, and the stage history."""
    account = page.account
    may_edit = page.may(Action.EDIT)
    tracks = stage_tracks(account, tokens=may_edit)
    # the stage whose item was just ticked stays open when the section comes back
    ticked = (page.request.POST.get("track"), page.request.POST.get("stage"))
    for track in tracks:
        for stage in track["stages"]:
            stage["open"] = (track["key"], stage["key"]) == ticked
        key = track["form_key"]
        track["form"] = (
            page.form(key, lambda track=track: _stage_form(account, track["key"]))
            if may_edit
            else None
        )
    return {
        "tracks": tracks,
        "may_edit": may_edit,
        "check_form": page.bound.get("check"),
        "stage_history": _stage_history(account),
    }


def _stage_form(account: Account, track: str) -> StageChangeForm:
    name = f"{track}_stage"
    return StageChangeForm(
        track=track,
        initial={"stage": getattr(account, name)},
        seen_of=account,
        watched=[services.stage_watch(account, name)],
    )


def _stage_history(account: Account) -> list:
    """The stage moves of the account, newest first, in one query."""
    changes = history_of(account).filter(field__in=STAGE_FIELDS).select_related("changed_by")
    out = []
    for change in changes:
        change.old_label = STAGE_LABELS.get(change.old_value, change.old_value)
        change.new_label = STAGE_LABELS.get(change.new_value, change.new_value)
        out.append(change)
    return out


def stage_tracks(account: Account, *, tokens: bool = False) -> list[dict]:
    """Both stage tracks as progress lines: each stage with its state, what it must prove
    (ticked per account, with the `seen` token of each item's form when `tokens`) and its
    milestones. Two queries whatever the number of stages."""
    checks = {
        (c.track, c.stage, c.item): c for c in account.stage_checks.select_related("checked_by")
    }
    milestones = services.stage_milestones()
    current = {
        StageTrack.SALES: account.sales_stage,
        StageTrack.RELATIONSHIP: account.relationship_stage,
    }
    out = []
    for track, track_stages in stages.TRACKS.items():
        keys = [s.key for s in track_stages]
        position = keys.index(current[track]) if current[track] in keys else 0
        rows = [
            _stage_row(account, track, stage, index, position, checks, milestones, tokens)
            for index, stage in enumerate(track_stages)
        ]
        out.append(
            {
                "key": track,
                "dom_id": f"{track}-stages",
                "unproven": [
                    {"label": row["label"], "items": row["unproven"]}
                    for row in rows
                    if row["unproven"]
                ],
                "label": StageTrack(track).label,
                "current": STAGE_LABELS[current[track]],
                "stages": rows,
                "form_key": f"{track}_stage",
            }
        )
    return out


def _stage_row(account, track, stage, index, position, checks, milestones, tokens) -> dict:
    """One stage of a track: its state, its checklist as ticked, its milestones."""
    items = []
    for item in stage.checklist:
        check = checks.get((track, stage.key, item.key))
        seen = ""
        if tokens:
            watched = services.check_watches(account, track, stage.key, item.key, check)
            seen = seen_token(account, watched)
        items.append({"key": item.key, "label": item.label, "check": check, "seen": seen})
    state = "done" if index < position else "current" if index == position else "todo"
    return {
        "key": stage.key,
        "number": index + 1,
        "label": STAGE_LABELS[stage.key],
        "state": state,
        "proves": stage.proves,
        "items": items,
        "done": sum(1 for i in items if i["check"] and i["check"].done),
        # a stage the account has passed with items still unticked
        "unproven": [i["label"] for i in items if not (i["check"] and i["check"].done)]
        if index < position
        else [],
        "milestones": milestones[(track, stage.key)],
    }


def change_stage(page: Page, track: str) -> Saved | Refused:
    """Move the account on a stage track (a skip or unproven stage asks for a reason)."""
    if track not in StageTrack.values:
        raise Http404
    account, by = page.account, page.user
    change = (
        services.change_sales_stage
        if track == StageTrack.SALES
        else services.change_relationship_stage
    )
    return submit(
        StageChangeForm(page.request.POST, track=track, seen_of=account),
        f"{track}_stage",
        lambda data: change(
            account, data["stage"], by=by, reason=data["reason"], seen=data["seen"]
        ),
        "stages-tab",
    )


def check_item(page: Page) -> Saved | Refused:
    """Tick (or untick) one item a stage must prove, with a note on how it was proven."""
    account, by = page.account, page.user

    def save(data):
        services.check_stage_item(
            account,
            data["track"],
            data["stage"],
            data["item"],
            done=data["done"],
            note=data["note"],
            by=by,
            seen=data["seen"],
        )

    return submit(
        StageCheckForm(page.request.POST, seen_of=account),
        "check",
        save,
        lambda data: f"check-{data['track']}-{data['stage']}",
    )


def register_sections() -> None:
    """Called from AccountsConfig.ready()."""
    register(
        Section(
            key="master",
            title=gettext_lazy("Master data"),
            order=10,
            place=HEADER,
            template="accounts/sections/master.html",
            context=master_context,
        )
    )
    register(
        Section(
            key="team",
            title=gettext_lazy("Account team"),
            order=30,
            place=HEADER,
            template="accounts/sections/team.html",
            context=team_context,
            endpoints=(
                Endpoint("team_add", "add/", team_add, Action.MANAGE_TEAM),
                Endpoint("team_remove", "remove/", team_remove, Action.MANAGE_TEAM),
            ),
        )
    )
    register(
        Section(
            key="stages",
            anchor="stages-tab",
            title=gettext_lazy("Stages"),
            order=20,
            template="accounts/sections/stages.html",
            context=stages_context,
            also=("master",),  # the stages are shown in the master data
            endpoints=(
                Endpoint("stage", "stage/<str:track>/", change_stage),
                Endpoint("check", "check/", check_item),
            ),
        )
    )
