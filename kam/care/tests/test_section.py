"""The visits section of the account page: the team logs, changes and deletes visits there
(with htmx the section comes back re-rendered), an edit on a stale page is refused, and
nobody outside the account learns it exists."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kam.accounts import access
from kam.accounts.access import Action
from kam.care import services
from kam.care.models import Task, Visit
from kam.care.visit_sections import VISITS_SHOWN

TODAY = timezone.localdate()


@pytest.fixture
def client():
    """A browser that asks for English, so the tests read the source sentences."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, account, *args) -> str:
    return reverse(f"accounts:{name}", args=[account.pk, *args])


def page(client, account) -> str:
    response = client.get(url("detail", account))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    """The visits section of a page (or the section itself, as htmx gets it)."""
    start = html.index('data-section="visits"')
    return html[html.rindex("<section", 0, start) : html.index("</section>", start)]


def add_data(contact, **extra) -> dict:
    data = {
        "visit-kind": "visit",
        "visit-date": (TODAY - timedelta(days=2)).isoformat(),
        "visit-their_people": [contact.pk],
        "visit-notes": "谈了明年的框架协议",
        "visit-next_step": "寄送报价",
        "visit-next_step_on": (TODAY + timedelta(days=7)).isoformat(),
    }
    return data | extra


def test_the_team_logs_a_visit_and_sees_it_with_its_next_step(client, cast, contacts, english):
    client.force_login(cast.owner_kam)
    assert "Log a visit" in section(page(client, cast.east_account))
    response = client.post(
        url("visit_add", cast.east_account),
        add_data(contacts.wang, **{"visit-our_people": [cast.owner_kam.pk]}),
        **HTMX,
    )
    assert response.status_code == 200
    shown = section(response.content.decode())
    assert "王总" in shown and "谈了明年的框架协议" in shown and "寄送报价" in shown
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on == TODAY - timedelta(days=2)
    task = Task.objects.open().get()
    assert (task.assignee, task.title) == (cast.owner_kam, "寄送报价")


def test_an_overdue_next_step_is_marked(client, cast, contacts, english):
    services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        date=TODAY - timedelta(days=20),
        next_step="回访",
        next_step_on=TODAY - timedelta(days=3),
    )
    client.force_login(cast.team_specialist)
    assert "overdue" in section(page(client, cast.east_account))
    services.complete_task(Task.objects.get(), by=cast.owner_kam)
    assert "overdue" not in section(page(client, cast.east_account))


def test_a_visit_in_the_future_or_with_anothers_contact_is_refused(client, cast, contacts, english):
    client.force_login(cast.owner_kam)
    future = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(
        url("visit_add", cast.east_account),
        add_data(contacts.wang, **{"visit-date": future}),
        **HTMX,
    )
    assert response.status_code == 400
    assert "A visit is logged once it happened" in response.content.decode()
    response = client.post(url("visit_add", cast.east_account), add_data(contacts.chen), **HTMX)
    assert response.status_code == 400
    assert "is not one of the available choices" in response.content.decode()  # 陈 is south's
    assert not Visit.objects.exists() and not Task.objects.exists()


def edit_token(client, account, visit) -> str:
    response = client.get(url("visit_edit_form", account, visit.pk), **HTMX)
    assert response.status_code == 200
    found = re.search(rf'name="visit-{visit.pk}-seen" value="([^"]+)"', response.content.decode())
    assert found
    return found.group(1)


def change_data(visit, seen: str, **extra) -> dict:
    prefix = f"visit-{visit.pk}"
    data = {
        f"{prefix}-kind": visit.kind,
        f"{prefix}-date": visit.date.isoformat(),
        f"{prefix}-our_people": [u.pk for u in visit.our_people.all()],
        f"{prefix}-their_people": [c.pk for c in visit.their_people.all()],
        f"{prefix}-notes": visit.notes,
        f"{prefix}-next_step": visit.next_step,
        f"{prefix}-next_step_on": "",
        f"{prefix}-seen": seen,
    }
    return data | {f"{prefix}-{key}": value for key, value in extra.items()}


def test_a_change_on_a_stale_page_is_refused_and_a_fresh_one_saved(client, cast, contacts, english):
    account = cast.east_account
    visit = services.log_visit(
        account, by=cast.owner_kam, date=TODAY, notes="初访", their_people=[contacts.wang]
    )
    client.force_login(cast.owner_kam)
    seen = edit_token(client, account, visit)
    services.update_visit(visit, by=cast.team_specialist, notes="team_specialist 改过")
    refused = client.post(
        url("visit_change", account, visit.pk), change_data(visit, seen, notes="我的改动"), **HTMX
    )
    assert refused.status_code == 400
    assert "Notes was changed by team_specialist" in refused.content.decode()
    visit.refresh_from_db()
    assert visit.notes == "team_specialist 改过"
    saved = client.post(
        url("visit_change", account, visit.pk),
        change_data(
            visit, edit_token(client, account, visit), kind="call", their_people=[contacts.li.pk]
        ),
        **HTMX,
    )
    assert saved.status_code == 200
    visit.refresh_from_db()
    assert visit.kind == "call" and list(visit.their_people.all()) == [contacts.li]
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on is None  # no longer on it


def test_deleting_a_visit_takes_it_off_the_page(client, cast, contacts):
    visit = services.log_visit(
        cast.east_account,
        by=cast.owner_kam,
        date=TODAY,
        notes="要删的",
        their_people=[contacts.wang],
    )
    client.force_login(cast.team_specialist)
    response = client.post(url("visit_delete", cast.east_account, visit.pk), **HTMX)
    assert response.status_code == 200
    assert "要删的" not in section(response.content.decode())
    visit.refresh_from_db()
    assert visit.deleted_at is not None
    contacts.wang.refresh_from_db()
    assert contacts.wang.last_met_on is None


def test_an_outsider_gets_404_for_the_section_and_its_edits(client, cast, contacts):
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY)
    client.force_login(cast.outsider_kam)
    assert client.get(url("detail", cast.east_account)).status_code == 404
    assert (
        client.post(url("visit_add", cast.east_account), add_data(contacts.wang)).status_code == 404
    )
    assert client.get(url("visit_edit_form", cast.east_account, visit.pk)).status_code == 404
    assert client.post(url("visit_delete", cast.east_account, visit.pk)).status_code == 404
    # a visit of another account through this account's address is not found either
    client.force_login(cast.owner_kam)
    south = services.log_visit(cast.south_account, by=cast.outsider_kam, date=TODAY)
    assert client.post(url("visit_delete", cast.east_account, south.pk)).status_code == 404
    assert Visit.objects.alive().count() == 2


def test_someone_who_may_only_read_sees_visits_without_forms_and_gets_403(
    client, cast, contacts, monkeypatch, english
):
    """A team whose members may see but not edit (the access layer's rule changed here, as a
    read-only role would): the visits show, the forms do not, and a post is 403."""
    monkeypatch.setattr(access, "BY_TEAM", frozenset({Action.VIEW, Action.SEE_PERSONAL}))
    services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="只读可见")
    client.force_login(cast.team_specialist)
    shown = section(page(client, cast.east_account))
    assert "只读可见" in shown and "Log a visit" not in shown and "delete" not in shown
    response = client.post(url("visit_add", cast.east_account), add_data(contacts.wang))
    assert response.status_code == 403
    assert Visit.objects.count() == 1


def test_a_long_history_shows_the_latest_and_says_how_many(client, cast):
    for _ in range(VISITS_SHOWN + 2):
        services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY)
    client.force_login(cast.owner_kam)
    shown = section(page(client, cast.east_account))
    assert f"{VISITS_SHOWN + 2} visits logged" in shown
    assert f"The latest {VISITS_SHOWN} are shown" in shown
    assert shown.count('data-visit="') == VISITS_SHOWN


def test_the_section_costs_the_same_queries_for_one_visit_or_many(client, cast, contacts):
    client.force_login(cast.owner_kam)

    def queries() -> int:
        """The page's queries once its caches are warm (the second load)."""
        page(client, cast.east_account)
        with CaptureQueriesContext(connection) as captured:
            page(client, cast.east_account)
        return len(captured)

    def log():
        services.log_visit(
            cast.east_account,
            by=cast.owner_kam,
            date=TODAY,
            our_people=[cast.owner_kam],
            their_people=[contacts.wang, contacts.li],
            next_step="回访",
            next_step_on=TODAY,
        )

    log()
    one = queries()
    for _ in range(4):
        log()
    assert queries() == one


def test_without_javascript_the_change_form_opens_from_the_address(client, cast, contacts):
    visit = services.log_visit(cast.east_account, by=cast.owner_kam, date=TODAY, notes="无脚本")
    client.force_login(cast.owner_kam)
    response = client.get(f"{url('detail', cast.east_account)}?edit_visit={visit.pk}")
    assert f'name="visit-{visit.pk}-seen"' in response.content.decode()
    data = change_data(visit, edit_token(client, cast.east_account, visit), notes="改好了")
    response = client.post(url("visit_change", cast.east_account, visit.pk), data)
    assert response.status_code == 302 and response["Location"].endswith("#visits")
    visit.refresh_from_db()
    assert visit.notes == "改好了"
