"""The visit services: "last met" follows logged, changed, deleted and restored visits (a
call keeps in touch but is no meeting), bad input is refused with nothing changed, and a
next step with a date is a task for whoever logged the visit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kam.care import services
from kam.care.choices import TaskOrigin, VisitKind
from kam.care.models import Task, Visit
from kam.core.concurrency import StaleEdit, seen_of
from kam.core.history import history_of

TODAY = timezone.localdate()
DAY = timedelta(days=1)


def met(contact):
    contact.refresh_from_db()
    return contact.last_met_on


def test_logging_a_visit_sets_last_met_and_a_call_does_not(cast, contacts):
    services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        kind=VisitKind.CALL,
        date=TODAY,
        their_people=[contacts.wang],
    )
    assert met(contacts.wang) is None
    services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        kind=VisitKind.VISIT,
        date=TODAY - 10 * DAY,
        their_people=[contacts.wang, contacts.li],
    )
    assert met(contacts.wang) == TODAY - 10 * DAY
    assert met(contacts.li) == TODAY - 10 * DAY


def test_editing_deleting_and_restoring_recompute_last_met(cast, contacts):
    older = services.log_visit(
        cast.east_account, by=cast.owner_kam, date=TODAY - 30 * DAY, their_people=[contacts.wang]
    )
    newer = services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        kind=VisitKind.MEETING,
        date=TODAY - 5 * DAY,
        their_people=[contacts.wang],
    )
    assert met(contacts.wang) == TODAY - 5 * DAY
    # the newer one was only a call after all: the older visit is the last meeting
    services.update_visit(newer, by=cast.owner_kam, kind=VisitKind.CALL)
    assert met(contacts.wang) == TODAY - 30 * DAY
    # moved from Wang to Li: both are recomputed
    services.update_visit(older, by=cast.owner_kam, their_people=[contacts.li])
    assert met(contacts.wang) is None
    assert met(contacts.li) == TODAY - 30 * DAY
    services.delete_visit(older, by=cast.owner_kam)
    assert met(contacts.li) is None
    services.restore_visit(older, by=cast.owner_kam)
    assert met(contacts.li) == TODAY - 30 * DAY
    assert history_of(older).filter(field="their_people").exists()


def test_a_visit_in_the_future_is_refused_in_words_and_nothing_is_saved(cast, contacts, english):
    with pytest.raises(ValidationError) as refused:
        services.log_visit(
            cast.east_account, by=cast.owner_kam, date=TODAY + DAY, their_people=[contacts.wang]
        )
    assert "once it happened" in str(refused.value.message_dict["date"])
    assert not Visit.objects.exists()
    assert met(contacts.wang) is None


def test_another_accounts_contact_is_refused(cast, contacts, english):
    with pytest.raises(ValidationError) as refused:
        services.log_visit(
            cast.east_account, by=cast.owner_kam, date=TODAY, their_people=[contacts.chen]
        )
    assert "contacts of this account" in str(refused.value.message_dict["their_people"])
    assert not Visit.objects.exists()
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY)
    with pytest.raises(ValidationError):
        services.update_visit(visit, by=cast.owner_kam, their_people=[contacts.chen])
    assert list(visit.their_people.all()) == []


def test_a_next_step_with_a_date_is_a_task_for_whoever_logged_the_visit(cast, contacts):
    visit = services.log_visit(
        cast.east_account,
        by=cast.team_specialist,
        date=TODAY,
        their_people=[contacts.li],
        our_people=[cast.owner_kam, cast.team_specialist],
        next_step="送技术方案",
        next_step_on=TODAY + 7 * DAY,
    )
    task = Task.objects.open().get()
    assert (task.assignee, task.title, task.due_on) == (
        cast.team_specialist,
        "送技术方案",
        TODAY + 7 * DAY,
    )
    assert (task.origin, task.visit, task.account, task.contact) == (
        TaskOrigin.NEXT_STEP,
        visit,
        cast.east_account,
        contacts.li,
    )
    # the date moves: the same task moves with it
    services.update_visit(visit, by=cast.owner_kam, next_step_on=TODAY + 9 * DAY)
    assert Task.objects.open().get().due_on == TODAY + 9 * DAY
    # no next step any more: the task goes; deleted visits take theirs along
    services.update_visit(visit, by=cast.owner_kam, next_step="", next_step_on=None)
    assert not Task.objects.open().exists()
    services.update_visit(visit, by=cast.owner_kam, next_step="报价", next_step_on=TODAY)
    assert Task.objects.open().get().title == "报价"
    services.delete_visit(visit, by=cast.owner_kam)
    assert not Task.objects.open().exists()
    services.restore_visit(visit, by=cast.owner_kam)
    assert Task.objects.open().get().title == "报价"
    assert Task.objects.count() == 1


def test_a_next_step_without_a_date_makes_no_task_and_a_date_without_a_step_is_refused(cast):
    services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, next_step="回访")
    assert not Task.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, next_step_on=TODAY)
    assert "next_step" in refused.value.message_dict
    assert Visit.objects.count() == 1


def test_a_done_next_step_stays_done_and_a_new_one_is_a_new_task(cast):
    visit = services.log_visit(
        cast.east_account, by=cast.owner_kam, date=TODAY, next_step="报价", next_step_on=TODAY
    )
    services.complete_task(Task.objects.get(), by=cast.owner_kam)
    services.update_visit(visit, by=cast.owner_kam, notes="补记")
    assert not Task.objects.open().exists()
    services.update_visit(visit, by=cast.owner_kam, next_step="签约", next_step_on=TODAY + DAY)
    assert [t.title for t in Task.objects.open()] == ["签约"]


def test_a_change_on_a_stale_copy_is_refused_naming_what_changed(cast, contacts, english):
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="初访")
    seen = seen_of(visit, services.visit_watches(visit))
    services.update_visit(visit, by=cast.team_specialist, their_people=[contacts.wang])
    with pytest.raises(StaleEdit) as refused:
        services.update_visit(visit, by=cast.owner_kam, seen=seen, notes="改了")
    assert "Their participants" in " ".join(refused.value.messages)
    visit.refresh_from_db()
    assert visit.notes == "初访"
    fresh = seen_of(visit, services.visit_watches(visit))
    assert services.update_visit(visit, by=cast.owner_kam, seen=fresh, notes="改了").notes == "改了"
