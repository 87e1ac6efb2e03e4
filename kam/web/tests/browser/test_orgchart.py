"""Build an org chart for a new account from its page: three people with managers (one
chosen by clicking the manager on the chart), a role and an attitude, the chart drawn by
ECharts, and its export as PNG and SVG."""

from __future__ import annotations

CHART = "#orgchart [data-orgchart]"


def new_account(kam_server) -> dict:
    """A new account of a demo KAM, made the way the admin makes one (the account service);
    it has no contacts, so its org chart starts empty."""
    found = kam_server.python(
        """
import uuid
from kam.accounts import services
from kam.users.models import User
from kam.users.choices import Role

owner = User.objects.filter(role=Role.KAM, is_active=True, region__isnull=False).order_by("username").first()
boss = User.objects.filter(is_superuser=True).order_by("username").first()
code = "ORG-" + uuid.uuid4().hex[:6].upper()
account = services.create_account(
    name="Org chart test " + code, code=code, region=owner.region, owner=owner, by=boss
)
result = {"pk": account.pk, "owner": owner.username, "contacts": account.contacts.count()}
"""
    )
    assert found["contacts"] == 0
    return found


def wait_for_drawing(tab, count: int) -> None:
    """Until ECharts draws `count` people (htmx swapped the section, orgchart.js redrew)."""
    tab.page.wait_for_function(
        """([selector, count]) => {
            const el = document.querySelector(selector);
            const chart = el && window.echarts && echarts.getInstanceByDom(el);
            return !!chart && chart.getOption().series[0].data.length === count;
        }""",
        arg=[CHART, count],
    )


def chart_state(tab) -> dict:
    """What the ECharts instance draws: node names, links by kind, each node's colour."""
    return tab.page.evaluate(
        """selector => {
            const chart = echarts.getInstanceByDom(document.querySelector(selector));
            const series = chart.getOption().series[0];
            const colours = series.categories.map(c => c.itemStyle.color);
            return {
                names: series.data.map(d => d.name),
                links: series.links.map(l => [l.source, l.target, l.kind]),
                colour: Object.fromEntries(series.data.map(d => [d.name, colours[d.category]])),
                ids: Object.fromEntries(series.data.map(d => [d.name, d.id])),
            };
        }""",
        CHART,
    )


def post_in_section(tab, button, path: str) -> None:
    """Click a button of the section's form; htmx swaps the section in place."""
    with tab.page.expect_response(lambda r: path in r.url and r.request.method == "POST") as answer:
        button.click()
    assert answer.value.status == 200, answer.value.url
    # htmx swaps the answer in after the response: wait until it has settled, so the next
    # step fills the new forms, not the old ones on their way out.
    tab.page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def add_person(tab, name: str, title: str, manager: str | None = None) -> None:
    form = tab.page.locator("#orgchart-add-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=title]").fill(title)
    if manager:
        form.locator("select[name=reports_to]").select_option(label=manager)
    post_in_section(tab, form.locator("button[type=submit]"), "/s/orgchart/add/")


def click_node(tab, name: str) -> None:
    """Click a person's box on the chart, where ECharts drew it."""
    tab.page.locator(CHART).scroll_into_view_if_needed()
    point = tab.page.evaluate(
        """([selector, name]) => {
            const chart = echarts.getInstanceByDom(document.querySelector(selector));
            const series = chart.getOption().series[0];
            const node = series.data.find(d => d.name === name);
            const point = chart.convertToPixel({ seriesIndex: 0 }, node.value);
            const box = document.querySelector(selector).getBoundingClientRect();
            return [box.left + point[0], box.top + point[1]];
        }""",
        [CHART, name],
    )
    tab.page.mouse.click(point[0], point[1])


def test_build_an_org_chart_for_a_new_account_from_its_page(browse, kam_server):
    account = new_account(kam_server)
    tab = browse(account["owner"], language="en")
    tab.goto(f"/customers/{account['pk']}/#orgchart")
    page = tab.page
    assert page.locator("#orgchart-empty").is_visible()

    add_person(tab, "Wang Zong", "General manager")
    tab.wait_for_charts(CHART)
    add_person(tab, "Li Gong", "Chief engineer", manager="Wang Zong (General manager)")
    add_person(tab, "Zhang Yi", "Buyer")
    assert "Zhang Yi" in page.locator("#orgchart-unplaced").inner_text(), "no manager yet"
    wait_for_drawing(tab, 3)

    # Zhang's manager: click "pick the manager on the chart", then Li's box.
    state = chart_state(tab)
    zhang = state["ids"]["Zhang Yi"]
    edit = page.locator(f"#orgchart-edit-{zhang}")
    edit.locator("summary").click()
    edit.locator("[data-orgchart-pick-manager]").click()
    click_node(tab, "Li Gong")
    assert edit.locator("select[name=reports_to]").input_value() == state["ids"]["Li Gong"]
    post_in_section(
        tab, edit.locator("form.person-form button[type=submit]"), f"/s/orgchart/{zhang}/"
    )
    wait_for_drawing(tab, 3)

    # Wang is the decision maker, and against us.
    wang = chart_state(tab)["ids"]["Wang Zong"]
    click_node(tab, "Wang Zong")  # a click on a person opens their form
    edit = page.locator(f"#orgchart-edit-{wang}")
    assert edit.get_attribute("open") is not None
    edit.get_by_label("Decision maker").check()
    edit.locator("select[name=support]").select_option("enemy")
    post_in_section(
        tab, edit.locator("form.person-form button[type=submit]"), f"/s/orgchart/{wang}/"
    )

    wait_for_drawing(tab, 3)
    state = chart_state(tab)
    ids = state["ids"]
    assert sorted(state["names"]) == ["Li Gong", "Wang Zong", "Zhang Yi"]
    assert sorted(state["links"]) == sorted(
        [
            [ids["Wang Zong"], ids["Li Gong"], "reports"],
            [ids["Li Gong"], ids["Zhang Yi"], "reports"],
        ]
    )
    assert state["colour"]["Wang Zong"] == "#c62828", "an enemy is drawn red"
    assert state["colour"]["Li Gong"] == "#9e9e9e", "an unknown attitude is grey"
    assert page.locator("#orgchart-unplaced").count() == 0
    people = page.locator("#orgchart-people").inner_text()
    assert "Decision maker" in people and "Enemy" in people and "never met" in people

    with page.expect_download() as png:
        page.locator("#orgchart-png").click()
    assert png.value.suggested_filename.endswith(".png")
    with open(png.value.path(), "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.locator("#orgchart-svg").click()
    assert svg.value.suggested_filename.endswith(".svg")
    with open(svg.value.path(), encoding="utf-8") as drawing:
        text = drawing.read()
    assert "<svg" in text and "Wang Zong" in text
    tab.screenshot("orgchart-en")
    tab.assert_clean()
