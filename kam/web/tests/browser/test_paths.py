"""Find a path to a decision maker in the demo data and ask for the introduction: the demo
plants a decision maker reachable only through an industry association
(PLANTED["association_path"]); the account's KAM finds the path through the association
and asks the colleague holding its first hop, who gets the task."""

from __future__ import annotations

import json

import pytest

TARGET = """
from kam.people.models import Contact
contact = Contact.objects.alive().select_related("account__owner").get(
    account__code={code!r}, name={name!r}
)
result = {{"pk": contact.pk, "owner": contact.account.owner.username}}
"""

TASKS = """
from kam.care.models import Task
from kam.care.choices import TaskOrigin
result = [
    [t.assignee_id, t.assignee.username, t.title]
    for t in Task.objects.filter(contact_id={pk}, origin=TaskOrigin.INTRODUCTION)
    .select_related("assignee").order_by("id")
]
"""


def test_find_a_path_to_a_decision_maker_and_ask_for_the_introduction(browse, demo, kam_server):
    planted = demo["planted"].get("association_path")
    if not isinstance(planted, dict):
        pytest.skip("the demo has no decision maker reachable only through an association yet")
    target = kam_server.python(TARGET.format(code=planted["account"], name=planted["contact"]))
    before = kam_server.python(TASKS.format(pk=target["pk"]))

    tab = browse(target["owner"], language="en")
    tab.goto("/care/paths/")
    tab.page.select_option("#id_to", str(target["pk"]))
    with tab.page.expect_navigation():
        tab.page.locator("#paths-form button[type=submit]").click()
    tab.assert_clean()
    tab.screenshot("paths")

    paths = tab.page.locator("#paths li.path")
    assert paths.count() >= 1, "the planted decision maker can be reached"
    through = paths.filter(has_text=planted["third_party"])
    assert through.count() >= 1, "the path goes through the association"
    sentence = through.first.locator(".sentence").inner_text()
    assert sentence.endswith(planted["contact"]) or planted["contact"] in sentence
    assert sentence.count(" — ") == 4, "one intermediary: ours — hop — them — hop — target"

    start = int(through.first.locator("input[name=start]").get_attribute("value"))
    with tab.page.expect_navigation():
        through.first.locator("button[type=submit]").click()
    tab.assert_clean()
    assert tab.page.locator(".messages li.success").count() == 1, "the introduction is confirmed"

    after = kam_server.python(TASKS.format(pk=target["pk"]))
    assert len(after) == len(before) + 1, json.dumps(after, ensure_ascii=False)
    assignee, _username, title = after[-1]
    assert assignee == start, "the task is for our colleague holding the first hop"
    assert planted["third_party"] in title, "the task names the intermediary"
    assert planted["contact"] in title


def test_the_network_picture_and_the_whos_who(browse, demo):
    planted = demo["planted"].get("association_path")
    if not isinstance(planted, dict):
        pytest.skip("the demo has no decision maker reachable only through an association yet")
    account = demo["accounts"][planted["account"]]
    tab = browse("boss", language="en")
    tab.goto(f"/care/accounts/{account['pk']}/network/")
    tab.wait_for_charts("#network-chart")
    names = {node["name"] for node in tab.chart_option("#network-chart")["series"][0]["data"]}
    assert {planted["contact"], planted["third_party"]} <= names
    tab.screenshot("network-picture")

    tab.goto("/care/whos-who/")
    row = tab.page.locator("#whos-who tbody tr", has_text=planted["contact"])
    assert row.count() == 1, "the planted decision maker is among the key people"
    assert planted["third_party"] in row.inner_text(), (
        "its warmest path goes through the association"
    )
    tab.screenshot("whos-who")
