"""The relationship network as a user may see it: the path finder's input (kam.people.paths)
loaded from the database in a constant number of queries.

Our people and third parties are company-wide (anybody may ask a colleague or know who
the association's vice-chair is); customer contacts only of the accounts the user may
VIEW, through the access layer. A connection with a hidden, deleted or departed end is
left out, so a path never goes through or to somebody the user may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.utils import timezone

from kam.accounts.access import Action
from kam.users.choices import Role

from .models import Connection, Contact, ThirdParty
from .paths import CONTACT, THIRD, USER, Link, Path, Person, executives, find_paths, key


@dataclass
class Network:
    people: dict[str, Person]
    links: list[Link]

    def paths(
        self, target: str, starts: list[str] | None = None, *, on: date | None = None, **options
    ) -> list[Path]:
        """Ranked paths to `target` from `starts` (default: our executives)."""
        starts = executives(self.people) if starts is None else starts
        on = on or timezone.localdate()
        return find_paths(self.people, self.links, target, starts, on=on, **options)


def _user(user) -> Person:
    detail = user.get_role_display()
    if user.department:
        detail = f"{detail}, {user.department}"
    return Person(USER, user.pk, str(user), detail, executive=user.role == Role.EXECUTIVE)


def _contact(row: dict) -> Person:
    detail = ", ".join(part for part in (row["title"], row["account__name"]) if part)
    return Person(CONTACT, row["id"], row["name"], detail, account_id=row["account_id"])


def _third(row: dict) -> Person:
    detail = ", ".join(part for part in (row["role"], row["organisation"]) if part)
    return Person(THIRD, row["id"], row["name"], detail)


def _ends(row: dict, side: str) -> str | None:
    for kind, column in ((USER, "user"), (CONTACT, "contact"), (THIRD, "third")):
        pk = row[f"{side}_{column}_id"]
        if pk is not None:
            return key(kind, pk)
    return None


CONNECTION_COLUMNS = (
    "id",
    "kind",
    "strength",
    "valid_from",
    "valid_to",
    *(f"{side}_{end}_id" for side in "ab" for end in ("user", "contact", "third")),
)


def load(user, *, account=None) -> Network:
    """What `user` may see of the network (four queries). With `account`, only its contacts
    and the people connected to them (the account's network picture)."""
    contacts = Contact.objects.restrict(user, Action.VIEW).alive()
    if account is not None:
        contacts = contacts.filter(account=account)
    rows = contacts.values("id", "name", "title", "account_id", "account__name")
    people = {p.key: p for p in map(_contact, rows)}
    users = get_user_model().objects.filter(is_active=True)
    people.update((p.key, p) for p in map(_user, users))
    thirds = ThirdParty.objects.alive().values("id", "name", "role", "organisation")
    people.update((p.key, p) for p in map(_third, thirds))
    links = []
    for row in Connection.objects.alive().values(*CONNECTION_COLUMNS):
        a, b = _ends(row, "a"), _ends(row, "b")
        if a in people and b in people:
            links.append(
                Link(
                    row["id"],
                    a,
                    b,
                    row["kind"],
                    row["strength"],
                    row["valid_from"],
                    row["valid_to"],
                )
            )
    return Network(people, links)


def around_account(network: Network, account_id: int, *, on: date | None = None) -> Network:
    """The account's contacts, the people connected to them, our people who know those
    third parties, and the connections among all these, valid on `on` (conflicts included:
    the picture shows them apart)."""
    on = on or timezone.localdate()
    mine = {k for k, p in network.people.items() if p.account_id == account_id}
    current = [link for link in network.links if link.holds_on(on)]
    near = set(mine)
    for link in current:
        if link.a in mine or link.b in mine:
            near |= {link.a, link.b}
    thirds = {k for k in near if network.people[k].kind == THIRD}
    for link in current:  # who of ours knows the third parties: the doors they open
        for here, there in ((link.a, link.b), (link.b, link.a)):
            if here in thirds and network.people[there].kind == USER:
                near.add(there)
    people = {k: network.people[k] for k in near}
    return Network(people, [link for link in current if link.a in near and link.b in near])
