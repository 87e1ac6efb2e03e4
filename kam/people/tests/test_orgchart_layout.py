"""The org chart's layout as a pure function: no database, plain people and lines."""

from __future__ import annotations

from datetime import date

from kam.people.orgchart import (
    CONFLICT,
    INFLUENCES,
    REPORTS,
    SUPPORT_COLOURS,
    Person,
    Tie,
    chart_data,
    chart_option,
)


def people():
    """A CEO with two reports, one of whom has a report; a loner; someone off the chart."""
    return [
        Person(1, "Zhao CEO", "CEO", "senior", roles=("decision_maker",), support="enemy"),
        Person(
            2,
            "Qian CTO",
            "CTO",
            "senior",
            manager_id=1,
            roles=("gatekeeper", "coach"),
            support="mentor",
            influence=4,
            last_met_on=date(2026, 11, 3),
        ),
        Person(3, "Sun Buyer", "Buyer", "middle", manager_id=1, support="neutral"),
        Person(4, "Li Engineer", "Engineer", "junior", manager_id=2, roles=("user",)),
        Person(5, "Zhou Loner", "Adviser"),
        Person(6, "Wu Hidden", manager_id=1, on_chart=False),
    ]


def test_tree_by_reports_to_with_managers_above_their_reports():
    chart = chart_data(people())
    assert chart.roots == [1]
    assert chart.nodes[1].reports == [2, 3]  # seniors first
    assert [chart.nodes[i].depth for i in (1, 2, 3, 4)] == [0, 1, 1, 2]
    assert chart.nodes[2].y > chart.nodes[1].y and chart.nodes[4].y > chart.nodes[2].y
    left, right = chart.nodes[2].x, chart.nodes[3].x
    assert left < right
    assert chart.nodes[1].x == (left + right) / 2, "a manager sits over the middle of their reports"
    assert chart.nodes[4].x == chart.nodes[2].x, "an only report sits under the manager"


def test_only_people_on_the_chart_are_drawn():
    chart = chart_data(people())
    assert 6 not in chart.nodes
    assert {e["target"] for e in chart.edges if e["kind"] == REPORTS} == {2, 3, 4}


def test_people_with_no_manager_and_no_reports_are_not_placed_and_drawn_apart():
    chart = chart_data(people())
    assert chart.unplaced == [5]
    loner = chart.nodes[5]
    assert not loner.placed
    assert loner.y > max(chart.nodes[i].y for i in (1, 2, 3, 4)), "below the tree"
    assert chart.as_json()["unplaced"] == [5]


def test_several_roots_sit_side_by_side_without_overlap():
    crowd = [
        Person(1, "A boss"),
        Person(2, "A1", manager_id=1),
        Person(3, "A2", manager_id=1),
        Person(10, "B boss"),
        Person(11, "B1", manager_id=10),
    ]
    chart = chart_data(crowd)
    assert chart.roots == [1, 10]
    xs = [chart.nodes[i].x for i in (2, 3, 11)]
    assert len(set(xs)) == 3
    assert max(chart.nodes[i].x for i in (1, 2, 3)) < chart.nodes[10].x


def test_a_manager_off_the_chart_leaves_the_report_without_a_manager():
    chart = chart_data([Person(1, "Gone", on_chart=False), Person(2, "Stays", manager_id=1)])
    assert chart.nodes[2].manager_id is None
    assert chart.unplaced == [2]
    assert chart.edges == []


def test_influence_and_conflict_lines_are_edges_of_their_own_kind():
    ties = [
        Tie(2, 1, INFLUENCES, 5, id=70),
        Tie(3, 2, CONFLICT, 2, id=71),
        Tie(2, 3, "friend", 4, id=72),  # not the org chart's business
        Tie(2, 6, INFLUENCES, 3, id=73),  # 6 is off the chart
    ]
    chart = chart_data(people(), ties)
    kinds = [(e["source"], e["target"], e["kind"]) for e in chart.edges if e["kind"] != REPORTS]
    assert kinds == [(2, 1, INFLUENCES), (3, 2, CONFLICT)]
    option = chart_option(chart)
    links = option["series"][0]["links"]
    styles = {link["kind"]: link["lineStyle"]["type"] for link in links}
    assert styles == {REPORTS: "solid", INFLUENCES: "dashed", CONFLICT: "dotted"}
    influence = next(link for link in links if link["kind"] == INFLUENCES)
    assert influence["symbol"] == ["none", "arrow"], "influence has a direction"


def test_each_node_says_roles_support_colour_and_when_we_last_met(english):
    chart = chart_data(people())
    option = chart_option(chart)
    series = option["series"][0]
    nodes = {item["contact"]: item for item in series["data"]}
    colours = [c["itemStyle"]["color"] for c in series["categories"]]
    assert colours[nodes[1]["category"]] == SUPPORT_COLOURS["enemy"]
    assert colours[nodes[2]["category"]] == SUPPORT_COLOURS["mentor"]
    assert colours[nodes[4]["category"]] == SUPPORT_COLOURS["unknown"]
    assert "last met 2026-11-03" in nodes[2]["label"]["formatter"]
    assert "never met" in nodes[1]["label"]["formatter"]
    assert "DM" in nodes[1]["label"]["formatter"] and "TG C" in nodes[2]["label"]["formatter"]
    assert "influence 4 of 5" in nodes[2]["tooltip"]["formatter"]
    assert chart.as_json()["nodes"][0]["never_met"] is True
    assert option["legend"][0]["data"][-1] == "Support unknown"


def test_rich_text_markup_in_a_name_is_defused():
    option = chart_option(chart_data([Person(1, "Bad {name|x} name")]))
    formatter = option["series"][0]["data"][0]["label"]["formatter"]
    assert formatter.startswith("{name|Bad (name/x) name}")


def test_an_empty_account_has_no_chart():
    chart = chart_data([])
    assert chart.empty and chart_option(chart) is None


def test_the_role_badges_read_in_chinese_for_a_chinese_reader():
    from django.utils import translation

    with translation.override("zh-hans"):
        series = chart_option(chart_data(people()))["series"][0]
    nodes = {item["contact"]: item for item in series["data"]}
    assert "决" in nodes[1]["label"]["formatter"] and "DM" not in nodes[1]["label"]["formatter"]
    assert "技 教" in nodes[2]["label"]["formatter"]
