"""The People section of the account page: the decision chain as the account team sees and
edits it (add, edit, remove), a stale edit refused, the attitude history kept and shown."""

from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.accounts import sections as registry
from kam.accounts.access import Action
from kam.accounts.sections import Page
from kam.core.history import history_of
from kam.people import services
from kam.people.models import Contact

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client():
    """A browser that asks for English: the tests read the English strings (zh-hans is the
    default)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def page_of(client, account, **query):
    return client.get(reverse("accounts:detail", args=[account.pk]), query)


def form_data(prefix: str, **fields) -> dict:
    """A contact form as a browser posts it: every field, prefixed."""
    base = {"name": "", "status": "active", "on_chart": "on"}
    base.update(fields)
    data = {}
    for name, value in base.items():
        data[f"{prefix}-{name}"] = value
    return data


def edit_data(client, account, contact) -> dict:
    """The edit form as shown now (with its `seen` token), ready to post back."""
    response = client.get(reverse("accounts:contact_open", args=[account.pk, contact.pk]), **HTMX)
    assert response.status_code == 200
    form = response.context["contacts"]["active"]
    shown = next(c for c in form if c.pk == contact.pk).edit_form
    data = {}
    for field in shown:
        value = field.value()
        if value is None or value is False:
            continue
        key = shown.add_prefix(field.name)
        if isinstance(value, list):
            data[key] = value
        else:
            data[key] = "on" if value is True else value
    return data


@pytest.fixture
def chain(cast):
    """Three contacts of east_account: a boss, his engineer (reports to him), one who left."""
    by = cast.owner_kam
    account = cast.east_account
    boss = services.create_contact(
        account,
        by=by,
        name="张总",
        title="总经理",
        level="senior",
        roles=["decision_maker"],
        support="supporter",
        influence=5,
        relationship=2,
        relationship_goal=4,
        is_node=True,
        business_line=cast.owner_kam,
    )
    engineer = services.create_contact(
        account, by=by, name="李工", title="工程师", reports_to=boss, roles=["gatekeeper", "user"]
    )
    gone = services.create_contact(
        account, by=by, name="王前任", status="left", left_on=date(2025, 3, 1)
    )
    return {"boss": boss, "engineer": engineer, "gone": gone}


def test_the_team_sees_the_chain_with_its_marks(client, cast, chain, english):
    services.set_last_met({chain["boss"].pk: date(2025, 6, 9)})
    client.force_login(cast.team_specialist)
    html = page_of(client, cast.east_account).content.decode()
    assert "张总" in html and "总经理" in html
    assert "Senior management (高层)" in html
    assert "Decision maker" in html and "Technical gatekeeper" in html
    assert 'class="tag support-supporter"' in html
    assert "2 · Acquainted → 4 · Trusted" in html and "2 steps to go" in html
    assert "2025-06-09" in html  # last met
    assert "never met" in html  # 李工: no visit logged
    assert "reports to 张总" in html
    assert "node</span>" in html
    # the one who left is apart, with the date
    left = html[html.index('id="contacts-left"') :]
    assert "王前任" in left and "left on 2025-03-01" in left
    active = html[html.index('id="decision-chain"') : html.index('id="contacts-left"')]
    assert "王前任" not in active
    assert "edit</a>" in html  # a team member may edit


def test_an_outsider_gets_404_for_the_page_and_every_edit(client, cast, chain):
    client.force_login(cast.outsider_kam)
    account, boss = cast.east_account, chain["boss"]
    assert page_of(client, account).status_code == 404
    add = client.post(
        reverse("accounts:contact_add", args=[account.pk]), form_data("new", name="X")
    )
    assert add.status_code == 404
    opened = client.get(reverse("accounts:contact_open", args=[account.pk, boss.pk]))
    assert opened.status_code == 404
    edit = client.post(
        reverse("accounts:contact_edit", args=[account.pk, boss.pk]),
        form_data(f"c{boss.pk}", name="改"),
    )
    assert edit.status_code == 404
    delete = client.post(reverse("accounts:contact_delete", args=[account.pk, boss.pk]))
    assert delete.status_code == 404
    assert Contact.objects.alive().filter(account=account).count() == 3
    assert Contact.objects.get(pk=boss.pk).name == "张总"


def test_a_read_only_viewer_sees_the_chain_without_edit_buttons(cast, chain):
    """Nobody in the cast sees an account without editing it (the access rules give EDIT
    with VIEW); the section still must not offer edits to whoever the rules refuse."""
    request = RequestFactory().get("/")
    request.user = cast.owner_kam
    page = Page(request, cast.east_account)
    page._may[Action.EDIT] = False  # the access layer's answer, as for a read-only viewer
    section = registry.get("people")
    context = {**section.context(page), "account": cast.east_account, "section": section}
    html = render_to_string(section.template, context, request=request)
    assert "张总" in html
    assert "edit</a>" not in html and "contact_add" not in html
    assert "Add a contact" not in html and "remove</button>" not in html


def test_every_section_edit_needs_edit_on_the_account():
    """The shell answers 403 to one who sees the account but may not edit it (kam.accounts
    .views.detail.endpoint_view) for each endpoint that names Action.EDIT."""
    endpoints = registry.get("people").endpoints
    assert {e.name: e.action for e in endpoints} == {
        "contact_add": Action.EDIT,
        "contact_open": Action.EDIT,
        "contact_edit": Action.EDIT,
        "contact_delete": Action.EDIT,
    }


def test_a_team_member_adds_a_contact_and_only_the_section_comes_back(client, cast, chain):
    client.force_login(cast.team_specialist)
    account = cast.east_account
    response = client.post(
        reverse("accounts:contact_add", args=[account.pk]),
        form_data(
            "new",
            name="赵主任",
            level="middle",
            roles=["user", "coach"],
            support="mentor",
            reports_to=chain["boss"].pk,
            technical_line=cast.team_specialist.pk,
        ),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'id="people-tab"' in html
    assert "赵主任" in html and "<html" not in html
    added = Contact.objects.get(name="赵主任")
    assert added.reports_to == chain["boss"] and added.technical_line == cast.team_specialist
    assert added.roles == ["user", "coach"] and added.support == "mentor"
    assert history_of(added, "support").get().new_value == "mentor"


def test_a_bad_contact_is_refused_with_the_reason_and_nothing_saved(client, cast, chain, english):
    client.force_login(cast.owner_kam)
    response = client.post(
        reverse("accounts:contact_add", args=[cast.east_account.pk]),
        form_data("new", name="", email="not-an-address", status="active", left_on="2025-01-01"),
        **HTMX,
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "Only a person who left" in html
    assert Contact.objects.filter(account=cast.east_account).count() == 3


def test_a_team_member_edits_a_contact_and_the_attitude_change_is_shown(
    client, cast, chain, english
):
    client.force_login(cast.team_specialist)
    account, engineer = cast.east_account, chain["engineer"]
    data = edit_data(client, account, engineer)
    prefix = f"c{engineer.pk}"
    data[f"{prefix}-support"] = "enemy"
    data[f"{prefix}-reason"] = "lost the tender to us"
    data[f"{prefix}-influence"] = "3"
    response = client.post(
        reverse("accounts:contact_edit", args=[account.pk, engineer.pk]), data, **HTMX
    )
    assert response.status_code == 200
    engineer.refresh_from_db()
    assert engineer.support == "enemy" and engineer.influence == 3
    assert engineer.reports_to == chain["boss"]  # untouched fields stay
    change = history_of(engineer, "support").first()
    assert (change.old_value, change.new_value, change.reason) == (
        "",
        "enemy",
        "lost the tender to us",
    )
    assert change.changed_by == cast.team_specialist
    # the history is shown in the section: before → after, who and why
    html = page_of(client, account).content.decode()
    row = html[html.index(f'id="contact-{engineer.pk}"') :]
    assert "→ Enemy" in row and "lost the tender to us" in row and "team_specialist" in row


def test_a_stale_edit_is_refused_with_what_changed(client, cast, chain, english):
    client.force_login(cast.owner_kam)
    account, boss = cast.east_account, chain["boss"]
    data = edit_data(client, account, boss)
    services.update_contact(boss, by=cast.east_manager, support="enemy")  # meanwhile
    data[f"c{boss.pk}-title"] = "董事长"
    response = client.post(
        reverse("accounts:contact_edit", args=[account.pk, boss.pk]), data, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Support was changed by east_manager" in html
    assert "Reload the page" in html
    boss.refresh_from_db()
    assert boss.title == "总经理" and boss.support == "enemy"


def test_reports_to_is_a_choice_among_the_accounts_contacts_and_never_loops(
    client, cast, chain, english
):
    client.force_login(cast.owner_kam)
    account, boss, engineer = cast.east_account, chain["boss"], chain["engineer"]
    other = services.create_contact(cast.east_other, name="外人")
    data = edit_data(client, account, boss)
    data[f"c{boss.pk}-reports_to"] = other.pk  # another account's contact: not a choice
    refused = client.post(
        reverse("accounts:contact_edit", args=[account.pk, boss.pk]), data, **HTMX
    )
    assert refused.status_code == 400
    data[f"c{boss.pk}-reports_to"] = engineer.pk  # the engineer reports to the boss: a loop
    loop = client.post(reverse("accounts:contact_edit", args=[account.pk, boss.pk]), data, **HTMX)
    assert loop.status_code == 400
    assert "reporting loop" in loop.content.decode()
    boss.refresh_from_db()
    assert boss.reports_to is None


def test_remove_is_a_soft_delete_kept_in_history(client, cast, chain, english):
    client.force_login(cast.owner_kam)
    account, engineer = cast.east_account, chain["engineer"]
    response = client.post(reverse("accounts:contact_delete", args=[account.pk, engineer.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#people-tab")
    engineer.refresh_from_db()
    assert engineer.deleted_at is not None
    assert history_of(engineer, "deleted").get().new_value == "yes"
    assert "李工" not in page_of(client, account).content.decode()


def test_the_open_form_without_htmx_is_the_page_with_the_form(client, cast, chain, english):
    client.force_login(cast.owner_kam)
    account, boss = cast.east_account, chain["boss"]
    opened = client.get(reverse("accounts:contact_open", args=[account.pk, boss.pk]))
    assert opened.status_code == 302
    html = client.get(opened["Location"]).content.decode()
    assert f'id="contact-{boss.pk}-edit"' in html and "Attitude history" in html


def test_the_section_query_count_does_not_grow_with_contacts(client, cast, chain):
    client.force_login(cast.owner_kam)
    account = cast.east_account

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page_of(client, account).status_code == 200
        return len(captured)

    page_of(client, account)  # warm caches
    before = queries()
    for n in range(5):
        contact = services.create_contact(
            account, name=f"新{n}", reports_to=chain["boss"], management_line=cast.boss
        )
        services.update_contact(contact, support="neutral", by=cast.owner_kam)
    assert queries() == before


def test_an_edit_keeps_a_removed_manager_until_someone_changes_it(client, cast, chain):
    client.force_login(cast.owner_kam)
    account, boss, engineer = cast.east_account, chain["boss"], chain["engineer"]
    services.delete_contact(boss, by=cast.owner_kam)
    data = edit_data(client, account, engineer)
    data[f"c{engineer.pk}-title"] = "高级工程师"
    response = client.post(
        reverse("accounts:contact_edit", args=[account.pk, engineer.pk]), data, **HTMX
    )
    assert response.status_code == 200
    engineer.refresh_from_db()
    assert engineer.title == "高级工程师" and engineer.reports_to_id == boss.pk
