"""The org chart of an account (issue 11, item 4): who reports to whom, who sways whom and
who is at odds with whom, each person with their level, buying roles, support and when we
last met them.

`chart_data` is pure (no database): it turns the account's people and their lines into a
laid-out tree, so the drawing (kam/people/static/people/orgchart.js), the JSON endpoint and
the tests all read the same positions. `chart_option` turns that into an ECharts option.
The section itself (context, template, endpoints) lives in kam/people/views/orgchart.py,
which PeopleConfig.ready() asks to register it: this module stays pure and imports no view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .choices import BuyingRole, ConnectionKind, Level, Support

REPORTS = "reports"
INFLUENCES = str(ConnectionKind.INFLUENCES)
CONFLICT = str(ConnectionKind.CONFLICT)
LINE_KINDS = (REPORTS, INFLUENCES, CONFLICT)

UNKNOWN = "unknown"
SUPPORT_COLOURS = {
    str(Support.MENTOR): "#1b5e20",
    str(Support.SUPPORTER): "#66bb6a",
    str(Support.NEUTRAL): "#f2c94c",
    str(Support.NON_SUPPORTER): "#f2994a",
    str(Support.ENEMY): "#c62828",
    UNKNOWN: "#9e9e9e",
}
"""Support as a colour, best to worst: mentor dark green … enemy red; unknown grey."""

LINE_STYLES = {
    REPORTS: {"color": "#607d8b", "type": "solid", "width": 1.5, "curveness": 0},
    INFLUENCES: {"color": "#1565c0", "type": "dashed", "width": 2, "curveness": 0.25},
    CONFLICT: {"color": "#c62828", "type": "dotted", "width": 2.5, "curveness": -0.25},
}
"""Reporting lines straight and grey; influence dashed blue with an arrow; conflict dotted red."""

LEVEL_ORDER = {str(Level.SENIOR): 0, str(Level.MIDDLE): 1, str(Level.JUNIOR): 2, "": 3}
X_STEP = 190
"""Horizontal room for one person's box."""
Y_STEP = 120
"""Vertical room between a manager and their reports."""
UNPLACED_GAP = 1
"""Empty rows between the tree and the row of people not placed."""
UNPLACED_PER_ROW = 6
LEGEND_ROOM = 40
"""Pixels under the chart for its legend."""


@dataclass(frozen=True)
class Person:
    """What the chart needs of a contact (see `person_of`)."""

    id: int
    name: str
    title: str = ""
    level: str = ""
    manager_id: int | None = None
    roles: tuple[str, ...] = ()
    support: str = ""
    influence: int | None = None
    last_met_on: date | None = None
    on_chart: bool = True


@dataclass(frozen=True)
class Tie:
    """A recorded line between two contacts: `kind` reads from a to b."""

    a_id: int
    b_id: int
    kind: str
    strength: int = 3
    id: int | None = None


@dataclass
class Node:
    """One person drawn on the chart, with their place (x, y) and depth in the tree."""

    id: int
    name: str
    title: str
    level: str
    roles: list[str]
    support: str
    influence: int | None
    last_met_on: str | None
    manager_id: int | None
    placed: bool
    depth: int = 0
    x: float = 0.0
    y: float = 0.0
    reports: list[int] = field(default_factory=list)

    @property
    def never_met(self) -> bool:
        return self.last_met_on is None


@dataclass
class Chart:
    """The laid-out chart: nodes by id, the roots of its trees, those not placed, its edges."""

    nodes: dict[int, Node]
    roots: list[int]
    unplaced: list[int]
    edges: list[dict]

    @property
    def empty(self) -> bool:
        return not self.nodes

    def as_json(self) -> dict:
        """The chart as plain data (the JSON endpoint, the tests)."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "title": n.title,
                    "level": n.level or None,
                    "roles": n.roles,
                    "support": n.support or None,
                    "influence": n.influence,
                    "last_met_on": n.last_met_on,
                    "never_met": n.never_met,
                    "manager": n.manager_id,
                    "placed": n.placed,
                    "depth": n.depth,
                    "x": n.x,
                    "y": n.y,
                }
                for n in self.nodes.values()
            ],
            "roots": self.roots,
            "unplaced": self.unplaced,
            "edges": self.edges,
        }


def person_of(contact) -> Person:
    """A Contact (or anything with its attributes) as the chart reads it."""
    return Person(
        id=contact.pk,
        name=contact.name,
        title=contact.title,
        level=contact.level,
        manager_id=contact.reports_to_id,
        roles=tuple(contact.roles or ()),
        support=contact.support,
        influence=contact.influence,
        last_met_on=contact.last_met_on,
        on_chart=contact.on_chart,
    )


def tie_of(connection) -> Tie:
    return Tie(
        connection.a_contact_id,
        connection.b_contact_id,
        connection.kind,
        connection.strength,
        connection.pk,
    )


def _order(node: Node) -> tuple:
    """Seniors first, then by name: the same chart every time."""
    return (LEVEL_ORDER.get(node.level, 3), node.name, node.id)


def chart_data(people: Iterable[Person], ties: Iterable[Tie] = ()) -> Chart:
    """Lay out the account's people as a chart.

    Only people on the chart are drawn. A person's manager counts only when the manager is
    drawn too; someone with neither a manager nor reports is "not placed" and goes in a row
    of their own under the trees. Several trees (several roots) sit side by side. Influence
    and conflict lines join two drawn people and are edges of their own kind."""
    nodes = {
        p.id: Node(
            id=p.id,
            name=p.name,
            title=p.title,
            level=p.level,
            roles=list(p.roles),
            support=p.support,
            influence=p.influence,
            last_met_on=p.last_met_on.isoformat() if p.last_met_on else None,
            manager_id=p.manager_id,
            placed=True,
        )
        for p in people
        if p.on_chart
    }
    for node in nodes.values():
        if node.manager_id not in nodes or node.manager_id == node.id:
            node.manager_id = None
    for node in sorted(nodes.values(), key=_order):
        if node.manager_id is not None:
            nodes[node.manager_id].reports.append(node.id)
    tops = sorted((n for n in nodes.values() if n.manager_id is None), key=_order)
    roots = [n.id for n in tops if n.reports]
    unplaced = [n.id for n in tops if not n.reports]
    for node_id in unplaced:
        nodes[node_id].placed = False
    deepest = _lay_out_trees(nodes, roots)
    _lay_out_unplaced(nodes, unplaced, deepest)
    return Chart(nodes, roots, unplaced, _edges(nodes, ties))


def _lay_out_trees(nodes: dict[int, Node], roots: list[int]) -> int:
    """A tidy tree: leaves take the next free column, a manager sits over the middle of
    their reports; the trees of several roots follow each other. Returns the deepest row.
    A person reached twice (a loop the model forbids, but old data may hold) is drawn once."""
    column = 0
    deepest = -1
    seen: set[int] = set()

    def place(node_id: int, depth: int) -> float:
        nonlocal column, deepest
        seen.add(node_id)
        node = nodes[node_id]
        node.depth = depth
        deepest = max(deepest, depth)
        kids = [k for k in node.reports if k not in seen]
        xs = [place(k, depth + 1) for k in kids]
        if xs:
            x = (xs[0] + xs[-1]) / 2
        else:
            x = float(column)
            column += 1
        node.x, node.y = x * X_STEP, float(depth * Y_STEP)
        return x

    for root in roots:
        place(root, 0)
    return deepest


def _lay_out_unplaced(nodes: dict[int, Node], unplaced: list[int], deepest: int) -> None:
    """The people not placed, in rows under the trees, left to right."""
    first_row = deepest + 1 + (UNPLACED_GAP if deepest >= 0 else 0)
    for i, node_id in enumerate(unplaced):
        node = nodes[node_id]
        row, col = divmod(i, UNPLACED_PER_ROW)
        node.depth = first_row + row
        node.x, node.y = float(col * X_STEP), float((first_row + row) * Y_STEP)


def _edges(nodes: dict[int, Node], ties: Iterable[Tie]) -> list[dict]:
    """Reporting lines (manager to report), then influence and conflict lines between two
    drawn people; other kinds of connection are not the org chart's business."""
    edges = [
        {"source": n.manager_id, "target": n.id, "kind": REPORTS, "id": None}
        for n in nodes.values()
        if n.manager_id is not None
    ]
    for tie in ties:
        drawn = tie.a_id in nodes and tie.b_id in nodes and tie.a_id != tie.b_id
        if drawn and tie.kind in (INFLUENCES, CONFLICT):
            edges.append(
                {
                    "source": tie.a_id,
                    "target": tie.b_id,
                    "kind": tie.kind,
                    "id": tie.id,
                    "strength": tie.strength,
                }
            )
    return edges


# ---------------------------------------------------------------- the ECharts option

ROLE_SHORT = {
    str(BuyingRole.DECISION_MAKER): pgettext_lazy("role badge", "DM"),
    str(BuyingRole.GATEKEEPER): pgettext_lazy("role badge", "TG"),
    str(BuyingRole.USER): pgettext_lazy("role badge", "U"),
    str(BuyingRole.COACH): pgettext_lazy("role badge", "C"),
}
"""The badge of each buying role on a person's box (the legend under the chart spells
them out): letters in English, one character in Chinese (决 技 用 教)."""


def _text(value: str) -> str:
    """ECharts reads {…} and | in a label as rich-text markup: a name never holds them."""
    return value.replace("{", "(").replace("}", ")").replace("|", "/")


def support_label(key: str) -> str:
    return str(dict(Support.choices).get(key, _("Support unknown")))


def met_label(node: Node) -> str:
    if node.never_met:
        return _("never met")
    return _("last met %(date)s") % {"date": node.last_met_on}


def role_labels(node: Node) -> list[str]:
    labels = dict(BuyingRole.choices)
    return [str(labels.get(role, role)) for role in node.roles]


def _rich(style: str, text: str) -> str:
    """One line of an ECharts rich-text label in `style`."""
    return "{" + style + "|" + text + "}"


def _label(node: Node) -> str:
    """Name, title, role badges and last met, in the box."""
    lines = [_rich("name", _text(node.name))]
    if node.title:
        lines.append(_rich("title", _text(node.title)))
    if node.roles:
        lines.append(_rich("badge", " ".join(str(ROLE_SHORT.get(r, r)) for r in node.roles)))
    lines.append(_rich("never" if node.never_met else "met", _text(met_label(node))))
    return "\n".join(lines)


def _tooltip(node: Node) -> str:
    levels = dict(Level.choices)
    parts = [node.name]
    if node.title:
        parts.append(node.title)
    if node.level:
        parts.append(str(levels.get(node.level, node.level)))
    if node.roles:
        parts.append(", ".join(role_labels(node)))
    parts.append(support_label(node.support))
    if node.influence is not None:
        parts.append(_("influence %(n)s of 5") % {"n": node.influence})
    parts.append(met_label(node))
    return _text(" · ".join(parts))


def legend_entries() -> list[dict]:
    """The support colours, in order, for the chart's legend and the page's."""
    keys = [str(k) for k in Support.values] + [UNKNOWN]
    return [
        {"key": k, "label": support_label(k if k != UNKNOWN else ""), "colour": SUPPORT_COLOURS[k]}
        for k in keys
    ]


def line_legend() -> list[dict]:
    return [
        {"key": REPORTS, "label": _("reports to")},
        {"key": INFLUENCES, "label": _("influences")},
        {"key": CONFLICT, "label": _("in conflict with")},
    ]


def chart_option(chart: Chart) -> dict | None:
    """The ECharts option: one graph series, positions from the layout, support as the
    node's category (so the legend explains the colours), lines styled by kind."""
    if chart.empty:
        return None
    legend = legend_entries()
    index = {entry["key"]: i for i, entry in enumerate(legend)}
    data = [
        {
            "id": str(n.id),
            "name": _text(n.name),
            "value": [n.x, n.y],
            "category": index[n.support or UNKNOWN],
            "label": {"formatter": _label(n)},
            "tooltip": {"formatter": _tooltip(n)},
            "contact": n.id,
            **(
                {}
                if n.placed
                else {
                    "itemStyle": {"borderType": "dashed", "borderColor": "#555", "borderWidth": 2}
                }
            ),
        }
        for n in chart.nodes.values()
    ]
    names = {str(k): v["label"] for k, v in ((e["key"], e) for e in line_legend())}
    links = [_link(edge, names[edge["kind"]]) for edge in chart.edges]
    xs = [n.x for n in chart.nodes.values()]
    ys = [n.y for n in chart.nodes.values()]
    return {
        "tooltip": {"trigger": "item", "confine": True},
        "legend": [{"data": [e["label"] for e in legend], "bottom": 0, "selectedMode": False}],
        "animation": False,
        # Plain axes, hidden, one unit a pixel: the layout's positions are where the boxes go,
        # whatever the tree's shape (a fitted "view" distorts a single column).
        "grid": {"left": 0, "right": 0, "top": 10, "bottom": LEGEND_ROOM, "containLabel": False},
        "xAxis": {
            "type": "value",
            "show": False,
            "min": min(xs) - X_STEP / 2,
            "max": max(xs) + X_STEP / 2,
        },
        "yAxis": {
            "type": "value",
            "show": False,
            "inverse": True,
            "min": min(ys) - Y_STEP / 2,
            "max": max(ys) + Y_STEP / 2,
        },
        "series": [
            {
                "type": "graph",
                "coordinateSystem": "cartesian2d",
                "symbol": "roundRect",
                "symbolSize": [168, 70],
                "categories": [
                    {"name": e["label"], "itemStyle": {"color": e["colour"]}} for e in legend
                ],
                "itemStyle": {"opacity": 0.9, "borderColor": "#fff", "borderWidth": 1},
                "label": {
                    "show": True,
                    "color": "#111",
                    "backgroundColor": "rgba(255,255,255,0.85)",
                    "padding": [2, 4],
                    "borderRadius": 3,
                    "rich": {
                        "name": {"fontWeight": "bold", "fontSize": 12},
                        "title": {"fontSize": 10, "color": "#333"},
                        "badge": {
                            "fontSize": 10,
                            "color": "#fff",
                            "backgroundColor": "#37474f",
                            "padding": [1, 3],
                            "borderRadius": 2,
                        },
                        "met": {"fontSize": 9, "color": "#2e7d32"},
                        "never": {"fontSize": 9, "color": "#b71c1c"},
                    },
                },
                "edgeSymbolSize": 8,
                "data": data,
                "links": links,
            }
        ],
    }


def _link(edge: dict, label: str) -> dict:
    style = LINE_STYLES[edge["kind"]]
    arrow = ["none", "arrow"] if edge["kind"] == INFLUENCES else ["none", "none"]
    return {
        "source": str(edge["source"]),
        "target": str(edge["target"]),
        "kind": edge["kind"],
        "symbol": arrow,
        "lineStyle": {
            "color": style["color"],
            "type": style["type"],
            "width": style["width"],
            "curveness": style["curveness"],
            "opacity": 0.9,
        },
        "tooltip": {"formatter": label},
    }


def chart_size(chart: Chart) -> tuple[int, int]:
    """Pixels the drawing needs at one pixel a unit: its columns, its rows and the legend.
    The page scrolls a wide chart sideways rather than squeezing the boxes together."""
    if chart.empty:
        return 0, 0
    xs = [n.x for n in chart.nodes.values()]
    ys = [n.y for n in chart.nodes.values()]
    width = max(xs) - min(xs) + X_STEP
    height = max(ys) - min(ys) + Y_STEP + 10 + LEGEND_ROOM
    return int(width), int(height)
