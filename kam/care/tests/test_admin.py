"""The admin writes visits and tasks through the services: "last met" and history follow,
and another account's contact is refused at the field."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.care import services
from kam.care.models import Task, Visit
from kam.core.history import history_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_adding_a_visit_in_the_admin_keeps_last_met_and_makes_the_task(boss_client, cast, contacts):
    data = {
        "account": cast.east_account.pk,
        "kind": "meeting",
        "date": TODAY.isoformat(),
        "our_people": [cast.owner_kam.pk],
        "their_people": [contacts.wang.pk],
        "notes": "",
        "next_step": "报价",
        "next_step_on": (TODAY + timedelta(days=2)).isoformat(),
    }
    response = boss_client.post(reverse("admin:care_visit_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert visit.created_by == cast.boss
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on == TODAY
    assert Task.objects.open().get().assignee == cast.boss
    refused = boss_client.post(
        reverse("admin:care_visit_add"), data | {"their_people": [contacts.chen.pk]}
    )
    assert refused.status_code == 200 and Visit.objects.count() == 1


def test_admin_actions_delete_restore_and_tick_through_the_services(boss_client, cast, contacts):
    visit = services.log_visit(
        cast.east_account, by=cast.owner_kam, date=TODAY, their_people=[contacts.wang]
    )
    changelist = reverse("admin:care_visit_changelist")
    boss_client.post(changelist, {"action": "soft_delete", "_selected_action": [visit.pk]})
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on is None
    boss_client.post(
        f"{changelist}?deleted=yes", {"action": "restore", "_selected_action": [visit.pk]}
    )
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on == TODAY
    task = services.create_task(cast.owner_kam, "回访")
    boss_client.post(
        reverse("admin:care_task_changelist"),
        {"action": "mark_done", "_selected_action": [task.pk]},
    )
    task.refresh_from_db()
    assert task.done_at is not None and history_of(task).filter(field="done").exists()


def test_the_admin_shows_an_outsider_no_visit_of_another_account(client, cast, contacts):
    services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="东区拜访")
    cast.outsider_kam.is_staff = True
    cast.outsider_kam.save()
    client.force_login(cast.outsider_kam)
    response = client.get(reverse("admin:care_visit_changelist"))
    assert response.status_code == 200 and "东区拜访" not in response.content.decode()
    cast.owner_kam.is_staff = True
    cast.owner_kam.save()
    client.force_login(cast.owner_kam)
    response = client.get(reverse("admin:care_visit_changelist"))
    assert cast.east_account.name in response.content.decode()
