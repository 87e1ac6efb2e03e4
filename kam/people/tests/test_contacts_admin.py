"""The admin of contacts: the decision chain's fields shown, and its writes going through the
services, so an attitude changed in the admin is in history like one changed on the page."""

import pytest
from django.urls import reverse

from kam.core.history import history_of
from kam.people import services
from kam.people.models import Contact

pytestmark = pytest.mark.django_db


def posted(form) -> dict:
    """An admin form as the browser sends it back, unchanged (its `seen` token included)."""
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data[field.html_name] = value
        else:
            data[field.html_name] = "on" if value is True else value
    return data


def test_the_list_shows_the_chain_fields(client, cast):
    services.create_contact(cast.east_account, name="张总", level="senior", support="mentor")
    client.force_login(cast.boss)
    html = client.get(reverse("admin:people_contact_changelist")).content.decode()
    assert "张总" in html and "column-support" in html and "column-last_met_on" in html


def test_a_change_in_the_admin_goes_through_the_service_and_keeps_history(client, cast, english):
    contact = services.create_contact(
        cast.east_account, by=cast.owner_kam, name="张总", support="supporter", roles=["user"]
    )
    client.force_login(cast.boss)
    url = reverse("admin:people_contact_change", args=[contact.pk])
    form = client.get(url).context["adminform"].form
    data = posted(form)
    data.update({"support": "enemy", "roles": ["user", "coach"], "level": "middle"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact.refresh_from_db()
    assert contact.support == "enemy" and contact.roles == ["user", "coach"]
    change = history_of(contact, "support").first()
    assert (change.old_value, change.new_value, change.changed_by) == (
        "supporter",
        "enemy",
        cast.boss,
    )
    assert history_of(contact, "roles").first().new_value == "user,coach"


def test_an_admin_edit_on_a_stale_copy_is_refused(client, cast, english):
    contact = services.create_contact(cast.east_account, name="张总", support="supporter")
    client.force_login(cast.boss)
    url = reverse("admin:people_contact_change", args=[contact.pk])
    data = posted(client.get(url).context["adminform"].form)
    services.update_contact(contact, by=cast.east_manager, support="neutral")
    data["title"] = "董事长"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Reload the page" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).title == ""


def test_a_contact_added_in_the_admin_starts_its_attitude_history(client, cast, english):
    client.force_login(cast.boss)
    url = reverse("admin:people_contact_add")
    data = posted(client.get(url).context["adminform"].form)
    data.update(
        {"account": cast.east_account.pk, "name": "新人", "support": "neutral", "status": "active"}
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Contact.objects.get(name="新人")
    assert history_of(added, "support").get().changed_by == cast.boss
