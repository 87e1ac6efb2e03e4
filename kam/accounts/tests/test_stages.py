"""Stage checklists and milestones (METHODOLOGY M2, M3) as data, and the rules around them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kam.accounts import services, stages
from kam.accounts.choices import RelationshipStage, SalesStage, StageTrack
from kam.accounts.models import StageCheck, StageMilestone
from kam.core.models import FieldChange


@pytest.mark.parametrize(
    ("track", "choices"),
    [(StageTrack.SALES, SalesStage), (StageTrack.RELATIONSHIP, RelationshipStage)],
)
def test_every_stage_says_what_to_prove_and_who_takes_part(track, choices):
    track_stages = stages.stages(track)
    assert [s.key for s in track_stages] == list(choices.values)  # same stages, same order
    for stage in track_stages:
        keys = [item.key for item in stage.checklist]
        assert len(keys) >= 3 and len(set(keys)) == len(keys), stage.key
        assert stage.milestones, stage.key
        for key in keys:
            assert len(key) <= StageCheck._meta.get_field("item").max_length
            history_field = f"stage_check.{track}.{stage.key}.{key}.note"
            assert len(history_field) <= FieldChange._meta.get_field("field").max_length


def test_the_sales_stages_prove_what_the_methodology_says():
    """M2: soundness, value in use, delivery, then co-development and innovation."""
    with translation.override("en"):
        proves = {s.key: str(s.proves) for s in stages.SALES}
    assert "financial health" in proves[SalesStage.QUALIFIED]
    assert "value in use" in proves[SalesStage.TRIAL]
    assert "continuous supply" in proves[SalesStage.VOLUME]
    assert "innovation" in proves[SalesStage.SOLE]


def test_default_milestones_until_the_company_sets_its_own(db):
    defaults = services.stage_milestones()
    assert defaults[(StageTrack.SALES, SalesStage.QUALIFIED)] == list(
        stages.stage(StageTrack.SALES, SalesStage.QUALIFIED).milestones
    )
    own = StageMilestone.objects.create(
        track=StageTrack.SALES,
        stage=SalesStage.QUALIFIED,
        department="采购对接组",
        when="投标前两周",
        action="准备资质文件",
    )
    mixed = services.stage_milestones()
    assert mixed[(StageTrack.SALES, SalesStage.QUALIFIED)] == [own]
    # other stages keep their defaults
    assert mixed[(StageTrack.SALES, SalesStage.TRIAL)] == defaults[(StageTrack.SALES, "trial")]


def test_copying_the_defaults_in_gives_the_company_rows_to_edit(db):
    with translation.override("en"):
        written = services.copy_default_milestones()
    expected = sum(len(s.milestones) for track in stages.TRACKS.values() for s in track)
    assert written == expected == StageMilestone.objects.count()
    assert StageMilestone.objects.filter(department="Finance").exists()
    assert services.copy_default_milestones() == 0  # stages with rows are left alone


def test_a_milestone_stage_must_belong_to_its_track(db):
    milestone = StageMilestone(
        track=StageTrack.SALES,
        stage=RelationshipStage.ALLIANCE,
        department="x",
        when="y",
        action="z",
    )
    with pytest.raises(ValidationError):
        milestone.full_clean()


@pytest.mark.parametrize(
    ("track", "stage", "item"),
    [
        ("pipeline", "qualified", "financials"),
        ("sales", "alliance", "agreement"),
        ("sales", "qualified", "agreement"),
    ],
)
def test_a_checklist_tick_must_name_a_real_item(cast, track, stage, item):
    with pytest.raises(ValidationError):
        services.check_stage_item(cast.east_account, track, stage, item, done=True, by=cast.boss)
    assert not StageCheck.objects.exists()


def test_changing_only_the_note_keeps_the_old_note_in_history(cast):
    account = cast.east_account
    services.check_stage_item(
        account, "relationship", "basic", "first_deal", done=True, note="一月", by=cast.boss
    )
    services.check_stage_item(
        account, "relationship", "basic", "first_deal", done=True, note="二月", by=cast.boss
    )
    change = FieldChange.objects.get(field="stage_check.relationship.basic.first_deal.note")
    assert (change.old_value, change.new_value) == ("一月", "二月")


def test_the_admin_lists_milestones_and_copies_the_defaults_in(boss_client):
    changelist = reverse("admin:accounts_stagemilestone_changelist")
    assert boss_client.get(changelist).status_code == 200
    response = boss_client.post(reverse("admin:accounts_stagemilestone_load_defaults"))
    assert response.status_code == 302
    assert StageMilestone.objects.exists()
    assert boss_client.get(reverse("admin:accounts_stagecheck_changelist")).status_code == 200


# ---------------------------------------------------------------- moves with a conscience


def _prove(account, track, stage, by, items=None):
    """Tick every item of a stage (or the ones named), as a KAM would."""
    for key in items or [i.key for i in stages.stage(track, stage).checklist]:
        services.check_stage_item(account, track, stage, key, done=True, by=by)


def test_a_move_past_unproven_items_is_refused_without_a_reason_naming_them(cast):
    account = cast.east_account
    _prove(account, StageTrack.SALES, SalesStage.QUALIFIED, cast.owner_kam, ["credentials"])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.change_sales_stage(account, SalesStage.TRIAL, by=cast.owner_kam)
    message = " ".join(refused.value.messages)
    assert "Financial health shown" in message and "approved vendor list" in message
    assert "Licences, certifications" not in message  # ticked, so not named
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED
    assert not FieldChange.objects.filter(field="sales_stage").exists()


def test_a_move_past_unproven_items_with_a_reason_keeps_the_reason(cast):
    account = cast.east_account
    services.change_sales_stage(
        account, SalesStage.TRIAL, by=cast.owner_kam, reason="  客户急需试单，审核后补  "
    )
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.TRIAL
    change = FieldChange.objects.get(field="sales_stage")
    assert change.reason == "客户急需试单，审核后补"


def test_a_proven_one_step_move_needs_no_reason(cast):
    account = cast.east_account
    _prove(account, StageTrack.RELATIONSHIP, RelationshipStage.EXPLORATORY, cast.owner_kam)
    services.change_relationship_stage(account, RelationshipStage.BASIC, by=cast.owner_kam)
    account.refresh_from_db()
    assert account.relationship_stage == RelationshipStage.BASIC


def test_skipping_a_stage_is_refused_without_a_reason_even_when_all_is_proven(cast):
    """Every item of the first two stages is ticked, but the move jumps over 中级."""
    account = cast.east_account
    track = StageTrack.RELATIONSHIP
    _prove(account, track, RelationshipStage.EXPLORATORY, cast.owner_kam)
    _prove(account, track, RelationshipStage.BASIC, cast.owner_kam)
    services.change_relationship_stage(account, RelationshipStage.BASIC, by=cast.owner_kam)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.change_relationship_stage(
            account, RelationshipStage.INTERDEPENDENT, by=cast.owner_kam
        )
    message = " ".join(refused.value.messages)
    assert "skips Cooperative" in message
    assert "Not proven in Cooperative" in message  # what the skipped stage never proved
    assert "Basic:" not in message  # the stage left behind was proven
    services.change_relationship_stage(
        account, RelationshipStage.INTERDEPENDENT, by=cast.owner_kam, reason="集团统一采购"
    )
    account.refresh_from_db()
    assert account.relationship_stage == RelationshipStage.INTERDEPENDENT


def test_moving_back_needs_no_proof_or_reason(cast):
    account = cast.east_account
    services.change_sales_stage(account, SalesStage.VOLUME, by=cast.boss, reason="导入历史")
    services.change_sales_stage(account, SalesStage.QUALIFIED, by=cast.owner_kam)
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED


def test_a_stale_move_is_still_refused_as_stale_before_any_question_of_proof(cast):
    """The lost-update guard comes first: the user must see the stage as it is now."""
    from kam.core.concurrency import StaleEdit, seen_of

    account = cast.east_account
    seen = seen_of(account, [services.stage_watch(account, "sales_stage")])
    services.change_sales_stage(account, SalesStage.TRIAL, by=cast.boss, reason="先行")
    with pytest.raises(StaleEdit):
        services.change_sales_stage(account, SalesStage.SOLE, by=cast.owner_kam, seen=seen)


def test_proving_many_items_at_once_leaves_what_ticking_them_one_by_one_leaves(cast):
    """The demo (and scripts) tick hundreds of items through prove_stage_items: the same
    rows, the same history as check_stage_item, and proving again changes nothing."""
    one, many = cast.east_account, cast.south_account
    items = [
        (StageTrack.SALES, SalesStage.QUALIFIED, "credentials", "营业执照已交"),
        (StageTrack.RELATIONSHIP, RelationshipStage.EXPLORATORY, "needs", ""),
    ]
    for track, stage, item, note in items:
        services.check_stage_item(one, track, stage, item, done=True, note=note, by=cast.boss)
    assert services.prove_stage_items(many, items, by=cast.boss) == 2
    assert services.prove_stage_items(many, items, by=cast.boss) == 0

    def state(account):
        checks = StageCheck.objects.filter(account=account)
        history = FieldChange.objects.filter(object_id=account.pk, field__startswith="stage_check")
        return (
            sorted(checks.values_list("track", "stage", "item", "done", "note", "checked_by")),
            sorted(history.values_list("field", "old_value", "new_value", "reason", "changed_by")),
        )

    assert state(one) == state(many)
    with pytest.raises(ValidationError):
        services.prove_stage_items(many, [(StageTrack.SALES, "qualified", "bogus", "")])
