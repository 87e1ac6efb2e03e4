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
