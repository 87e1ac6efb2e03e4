"""The path finder (METHODOLOGY M6.2): from our people to a customer's decision maker over
recorded connections, with at most one intermediary (two on request, never more).

Pure: it takes people and connections as plain values (kam.people.network loads them
from the database for what a user may see) and returns ranked, explained paths; no
database, so the rules are tested on small graphs.

The rules:
- Only recorded connections make a path: a shared school or employer alone does not.
- A connection counts only on the days it held (valid_from … valid_to, both inclusive;
  an open end holds for ever) and a conflict (choices.NOT_A_PATH) opens no door.
- A path starts at one of our people and ends at the target; the people between
  (intermediaries) are third parties or customer contacts (e.g. a colleague of the target
  at the same customer) — never another of our people: a path through a colleague of ours
  is that colleague's own path, found when they are among the starts.
- Between two people the strongest valid connection is the one walked.
- Ranking (best first): the weakest hop's strength (a chain is as strong as its weakest
  link), then fewer hops (M6.2: the fewer intermediaries the better), then the sum of the
  strengths, then the names, so the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import networkx as nx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import INVERSE, NOT_A_PATH, ConnectionKind

MAX_INTERMEDIARIES = 2
"""Never more than two people between ours and the target (M6.2 asks for one)."""

USER, CONTACT, THIRD = "user", "contact", "third"
PREFIX = {USER: "u", CONTACT: "c", THIRD: "t"}

STRENGTH_WORDS = {
    1: gettext_lazy("very weak"),
    2: gettext_lazy("weak"),
    3: gettext_lazy("medium"),
    4: gettext_lazy("strong"),
    5: gettext_lazy("very strong"),
}


def key(kind: str, pk: int) -> str:
    """A node's name in the graph: "u:3" (our user), "c:12" (a contact), "t:5" (a third party)."""
    return f"{PREFIX[kind]}:{pk}"


@dataclass(frozen=True)
class Person:
    """Somebody in the network. `detail` is the title and organisation shown after the name."""

    kind: str
    id: int
    name: str
    detail: str = ""
    account_id: int | None = None
    executive: bool = False

    @property
    def key(self) -> str:
        return key(self.kind, self.id)

    def described(self) -> str:
        return f"{self.name}, {self.detail}" if self.detail else self.name


@dataclass(frozen=True)
class Link:
    """A recorded connection between the people `a` and `b` (node keys); directed kinds
    read from a to b."""

    id: int
    a: str
    b: str
    kind: str
    strength: int
    valid_from: date | None = None
    valid_to: date | None = None

    def holds_on(self, day: date) -> bool:
        """Valid on `day`: both ends inclusive, an open end for ever."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    def walkable_on(self, day: date) -> bool:
        return self.kind not in NOT_A_PATH and self.holds_on(day)


def kind_name(kind: str) -> str:
    """The connection kind's name read from a to b ("regulator of")."""
    try:
        return str(ConnectionKind(kind).label)
    except ValueError:
        return kind


def inverse_name(kind: str) -> str:
    """The name read from b to a ("regulated by"); symmetric kinds read the same."""
    return str(INVERSE.get(kind, kind_name(kind)))


def strength_word(strength: int) -> str:
    return str(STRENGTH_WORDS.get(strength, strength))


@dataclass(frozen=True)
class Hop:
    """One step of a path: `source` is connected to `target` by `link`, read from source."""

    source: Person
    target: Person
    link: Link

    @property
    def forward(self) -> bool:
        return self.link.a == self.source.key

    @property
    def reads(self) -> str:
        """How the source stands to the target: the kind's name, or its inverse."""
        return kind_name(self.link.kind) if self.forward else inverse_name(self.link.kind)

    @property
    def strength_word(self) -> str:
        return strength_word(self.link.strength)


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]

    @property
    def start(self) -> Person:
        """Our colleague who holds the first hop: the one to ask for the introduction."""
        return self.hops[0].source

    @property
    def target(self) -> Person:
        return self.hops[-1].target

    @property
    def intermediaries(self) -> list[Person]:
        return [hop.target for hop in self.hops[:-1]]

    @property
    def weakest(self) -> int:
        return min(hop.link.strength for hop in self.hops)

    @property
    def total(self) -> int:
        return sum(hop.link.strength for hop in self.hops)

    def rank_key(self) -> tuple:
        """Best first: the weakest hop, then fewer hops, then the sum (module docstring)."""
        names = tuple(hop.target.name for hop in self.hops)
        return (-self.weakest, len(self.hops), -self.total, self.start.name, names)

    def sentence(self) -> str:
        """The path in words: "our CEO — EMBA classmate of (strong) — Wang, vice-chair … —
        regulator of (medium) — the customer's GM"."""
        parts = [self.start.described()]
        for hop in self.hops:
            parts.append(
                _("%(reads)s (%(strength)s)") % {"reads": hop.reads, "strength": hop.strength_word}
            )
            parts.append(hop.target.described())
        return " — ".join(parts)


def graph_on(people: Mapping[str, Person], links: Iterable[Link], day: date) -> nx.Graph:
    """The people and, between each pair, the strongest connection walkable on `day`."""
    graph = nx.Graph()
    graph.add_nodes_from(people)
    for link in links:
        if link.a not in people or link.b not in people or link.a == link.b:
            continue
        if not link.walkable_on(day):
            continue
        held = graph.get_edge_data(link.a, link.b)
        if held is None or _better(link, held["link"]):
            graph.add_edge(link.a, link.b, link=link)
    return graph


def _better(link: Link, other: Link) -> bool:
    return (link.strength, -link.id) > (other.strength, -other.id)


def find_paths(
    people: Mapping[str, Person],
    links: Iterable[Link],
    target: str,
    starts: Iterable[str],
    *,
    on: date,
    max_intermediaries: int = 1,
) -> list[Path]:
    """The paths from any of `starts` (our people's keys) to `target` (a contact's key) with
    at most `max_intermediaries` people between, ranked best first (module docstring)."""
    if not 0 <= max_intermediaries <= MAX_INTERMEDIARIES:
        raise ValueError(f"max_intermediaries must be 0 to {MAX_INTERMEDIARIES}")
    if target not in people:
        return []
    graph = graph_on(people, links, on)
    found = []
    for start in dict.fromkeys(starts):
        if start not in people or start == target or people[start].kind != USER:
            continue
        view = nx.subgraph_view(graph, filter_node=_without_other_users(people, start))
        for nodes in nx.all_simple_paths(view, start, target, cutoff=max_intermediaries + 1):
            found.append(_path(people, graph, nodes))
    return sorted(found, key=Path.rank_key)


def _without_other_users(people: Mapping[str, Person], start: str):
    """Our people are never intermediaries: only the start is one of ours."""
    return lambda node: node == start or people[node].kind != USER


def _path(people: Mapping[str, Person], graph: nx.Graph, nodes: list[str]) -> Path:
    hops = tuple(Hop(people[a], people[b], graph.edges[a, b]["link"]) for a, b in pairwise(nodes))
    return Path(hops)


def executives(people: Mapping[str, Person]) -> list[str]:
    """The default starts: our executives (the boss, the CEO)."""
    return [name for name, person in people.items() if person.kind == USER and person.executive]
