""" "My tasks": the user's own open tasks, overdue first, with their account and contact;
ticking one done takes it off the list; somebody else's task cannot be ticked."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kam.care import services
from kam.care.models import Task

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_my_tasks_lists_my_open_tasks_overdue_first(client, cast, contacts):
    services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        date=TODAY - timedelta(days=9),
        their_people=[contacts.wang],
        next_step="寄样品",
        next_step_on=TODAY - timedelta(days=2),
    )
    services.create_task(cast.owner_kam, "准备年度回顾", due_on=TODAY + timedelta(days=3))
    services.create_task(cast.team_specialist, "别人的任务", due_on=TODAY)
    client.force_login(cast.owner_kam)
    response = client.get(reverse("care:tasks"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("寄样品") < html.index("准备年度回顾")
    assert "别人的任务" not in html
    assert "overdue" in html and cast.east_account.name in html and "王总" in html
    assert [item["key"] for item in response.context["nav"] if item["current"]] == ["tasks"]


def test_done_takes_a_task_off_the_list_and_anothers_is_not_found(client, cast):
    mine = services.create_task(cast.owner_kam, "打电话给王总", due_on=TODAY)
    theirs = services.create_task(cast.team_specialist, "别人的任务", due_on=TODAY)
    client.force_login(cast.owner_kam)
    response = client.post(reverse("care:task_done", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "打电话给王总" not in response.content.decode()
    assert "Nothing to do" in response.content.decode()
    mine.refresh_from_db()
    assert mine.done_at is not None
    assert client.post(reverse("care:task_done", args=[theirs.pk])).status_code == 404
    assert Task.objects.open().get() == theirs
    assert client.get(reverse("care:task_done", args=[mine.pk])).status_code == 405


def test_my_tasks_needs_a_login(client):
    response = client.get(reverse("care:tasks"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
