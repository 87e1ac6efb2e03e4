"""The network's API: third parties, connections and paths, as an integration sees them."""

import pytest

from kam.api.tests.conftest import TokenClient
from kam.people import services
from kam.people.choices import ConnectionKind, ThirdPartyKind
from kam.people.models import Connection, ThirdParty
from kam.users import services as user_services

pytestmark = pytest.mark.django_db


def client(user) -> TokenClient:
    _row, token = user_services.create_api_token(user, "test")
    return TokenClient(token, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def net(cast):
    """The east customer's GM reachable from the boss through an association's vice-chair;
    the south customer's director reachable from the boss directly."""
    gm = services.create_contact(cast.east_account, name="陈总", title="General manager")
    wang = services.create_third_party(
        name="王会长", kind=ThirdPartyKind.ASSOCIATION, organisation="省钢铁协会", role="vice-chair"
    )
    services.connect(cast.boss, wang, kind=ConnectionKind.EMBA, strength=4)
    services.connect(wang, gm, kind=ConnectionKind.REGULATES, strength=3)
    south = services.create_contact(cast.south_account, name="刘主任", title="Director")
    services.connect(cast.boss, south, kind=ConnectionKind.FRIEND, strength=5)
    return type("Net", (), {"gm": gm, "wang": wang, "south": south})


def test_paths_to_a_decision_maker_explained(cast, net):
    answer = client(cast.owner_kam).get(f"/api/v1/paths/?to={net.gm.pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["to"]["name"] == "陈总"
    [path] = body["paths"]
    assert path["start"] == {
        "type": "user",
        "id": cast.boss.pk,
        "name": str(cast.boss),
        "detail": "Executive (boss / CEO)",
        "account": None,
    }
    assert [hop["target"]["name"] for hop in path["hops"]] == ["王会长", "陈总"]
    assert path["hops"][0]["target"]["type"] == "third_party"
    assert path["hops"][0]["source"]["id"] == cast.boss.pk
    assert path["hops"][1]["source"]["name"] == "王会长"
    assert path["hops"][1]["reads"] == "regulator of"
    assert path["hops"][1]["inverse_name"] == "regulated by"
    assert [hop["strength"] for hop in path["hops"]] == [4, 3]
    assert "EMBA classmate of (strong)" in path["sentence"]


def test_an_outsider_gets_404_for_a_path_to_another_teams_contact(cast, net):
    assert client(cast.outsider_kam).get(f"/api/v1/paths/?to={net.gm.pk}").status_code == 404
    assert client(cast.owner_kam).get(f"/api/v1/paths/?to={net.south.pk}").status_code == 404


def test_from_a_colleague_and_the_intermediary_limit(cast, net):
    api = client(cast.owner_kam)
    mine = api.get(f"/api/v1/paths/?to={net.gm.pk}&from={cast.owner_kam.pk}").json()
    assert mine["paths"] == []
    assert api.get(f"/api/v1/paths/?to={net.gm.pk}&max_intermediaries=3").status_code == 400
    assert api.get(f"/api/v1/paths/?to={net.gm.pk}&from=99999").status_code == 404


def test_third_parties_any_user_records_the_recorder_or_a_manager_changes(cast):
    api = client(cast.team_specialist)
    made = api.post(
        "/api/v1/third-parties/",
        {"name": "赵局长", "kind": "government", "organisation": "市监局"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    other = client(cast.outsider_kam)
    assert other.get(f"/api/v1/third-parties/{pk}/").status_code == 200
    patch = {"role": "director"}
    refused = other.patch(f"/api/v1/third-parties/{pk}/", patch, content_type="application/json")
    assert refused.status_code == 403
    manager = client(cast.east_manager)
    changed = manager.patch(f"/api/v1/third-parties/{pk}/", patch, content_type="application/json")
    assert changed.status_code == 200
    assert ThirdParty.objects.get(pk=pk).role == "director"
    assert api.delete(f"/api/v1/third-parties/{pk}/").status_code == 204
    assert api.get(f"/api/v1/third-parties/{pk}/").status_code == 404


def test_a_stale_third_party_edit_is_refused(cast):
    api = client(cast.team_specialist)
    person = services.create_third_party(name="钱", kind="friend", by=cast.team_specialist)
    etag = api.get(f"/api/v1/third-parties/{person.pk}/")["ETag"]
    services.update_third_party(person, role="chair", by=cast.boss)
    late = api.patch(
        f"/api/v1/third-parties/{person.pk}/",
        {"role": "secretary"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert late.status_code == 409
    assert ThirdParty.objects.get(pk=person.pk).role == "chair"


def test_a_connection_with_a_contact_needs_edit_on_its_account(cast, net):
    body = {
        "a": {"type": "user", "id": cast.owner_kam.pk},
        "b": {"type": "contact", "id": net.gm.pk},
        "kind": "business",
        "strength": 4,
    }
    outsider = client(cast.outsider_kam)
    assert (
        outsider.post("/api/v1/connections/", body, content_type="application/json").status_code
        == 404
    )
    made = client(cast.owner_kam).post(
        "/api/v1/connections/", body, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["b"] == {"type": "contact", "id": net.gm.pk}
    assert made.json()["name"] == "business contact of"
    pk = made.json()["id"]
    assert outsider.get(f"/api/v1/connections/{pk}/").status_code == 404
    listed = client(cast.outsider_kam).get("/api/v1/connections/").json()["results"]
    assert net.gm.pk not in {c["b"]["id"] for c in listed if c["b"]["type"] == "contact"}


def test_ending_and_removing_a_connection(cast, net):
    connection = Connection.objects.get(b_contact=net.gm)
    api = client(cast.owner_kam)
    ended = api.patch(
        f"/api/v1/connections/{connection.pk}/",
        {"valid_to": "2020-01-01"},
        content_type="application/json",
    )
    assert ended.status_code == 200, ended.content
    assert api.get(f"/api/v1/paths/?to={net.gm.pk}").json()["paths"] == []
    bad = api.patch(
        f"/api/v1/connections/{connection.pk}/",
        {"valid_from": "2021-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert api.delete(f"/api/v1/connections/{connection.pk}/").status_code == 204
    assert api.get(f"/api/v1/connections/{connection.pk}/").status_code == 404


def test_a_self_connection_is_refused(cast):
    api = client(cast.owner_kam)
    me = {"type": "user", "id": cast.owner_kam.pk}
    answer = api.post(
        "/api/v1/connections/",
        {"a": me, "b": me, "kind": "friend"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert not Connection.objects.exists()


def _queries(user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kam.people import network

    with CaptureQueriesContext(connection) as captured:
        network.load(user)
    return len(captured)


def test_the_network_loads_in_a_constant_number_of_queries(cast, net):
    before = _queries(cast.owner_kam)
    for n in range(5):
        contact = services.create_contact(cast.east_account, name=f"联系人{n}")
        third = services.create_third_party(name=f"第三方{n}", kind="friend")
        services.connect(third, contact, kind=ConnectionKind.FRIEND)
        services.connect(cast.owner_kam, third, kind=ConnectionKind.CLASSMATE)
    assert _queries(cast.owner_kam) == before == 4
