"""The account page is a shell over sections; this is their registry.

Each domain app contributes its own part of the 360° page (/customers/<id>/) without
editing the page: the shell (kam/accounts/views/detail.py) asks this registry what to
show, and every section brings its context, its template and its own endpoints.

How a domain adds a section
---------------------------
1. Write a context function ``context(page) -> dict``: `page` (a `Page`) carries the
   request, the account (already checked: the user may see it), the user, the forms that
   failed and must be shown again (``page.bound``), ``page.query`` (the address's query,
   kept on links and form actions) and ``page.may(action)`` (the access layer, with the
   account team read once for the whole page).
2. Write a partial template whose root element carries ``id="{{ section.dom_id }}"`` and
   ``data-section="{{ section.key }}"``; it gets the context plus ``account``, ``query``,
   ``section`` and ``page``.
3. Write its endpoints as ``handler(page, **url_kwargs)``: validate a form, call a service,
   and return ``Saved(anchor)`` or ``Refused({form_key: bound_form})``; an endpoint that
   answers something else (JSON, a file) returns an HttpResponse. Each endpoint names the
   access-layer `Action` it needs: the shell answers 404 for an account the user may not
   see and 403 for one seen but not open to that action, before the handler runs.
4. Register it in your AppConfig.ready()::

       from kam.accounts import sections
       sections.register(sections.Section(key="visits", title=_("Visits"), order=40,
           template="care/sections/visits.html", context=visits_context,
           endpoints=(sections.Endpoint("visit_add", "add/", add_visit, Action.EDIT),)))

An endpoint is served at ``/customers/<id>/s/<section key>/<path>`` under the name
``accounts:<endpoint name>`` (names are unique across sections). A form posts there with
both ``action`` (without JavaScript: the full page comes back, redirected to the section
on success, with the errors on a refusal) and ``hx-post`` + ``hx-target`` on the section
(with htmx: only the section comes back, re-rendered with its new state or with the
refusal — a stale edit's message included — inside it; after a success, the sections named
in its ``also`` come back too and replace themselves, out of band). The shell does both; handlers do
not care which. New routes need a row in kam/web/tests/test_permission_matrix.py.

The registry lives in the accounts app, the lowest app that knows accounts, so every
domain app may import it without an upward import; the accounts app never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from . import access
from .access import Action
from .models import Account

TITLE, HEADER, MAIN = "title", "header", "main"
"""Where a section goes: beside the account's name (a tag, the period picker), the header
cards under it, or a tab of its own below."""


@dataclass(frozen=True)
class Saved:
    """An endpoint's edit was made; `anchor` is where the full page returns to (no htmx)."""

    anchor: str = ""


@dataclass(frozen=True)
class Refused:
    """An endpoint's edit was refused: these bound forms (by key) are shown with their
    errors, in the section (htmx) or in the whole page (400)."""

    bound: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    """One URL of a section: an edit (POST) or a read of its own (GET, e.g. chart data)."""

    name: str
    path: str
    handler: Callable[..., Any]
    action: Action = Action.EDIT
    method: str = "POST"


@dataclass(frozen=True)
class Section:
    """One part of the account page, shown to whoever may do `action` to the account."""

    key: str
    title: Any
    order: int
    template: str
    context: Callable[[Page], dict]
    action: Action = Action.VIEW
    place: str = MAIN
    endpoints: tuple[Endpoint, ...] = ()
    related: tuple[str, ...] = ()
    """select_related paths the section reads from the account (one query for the page)."""
    anchor: str = ""
    """The element id of the section (default: the key); links and redirects aim at it."""
    also: tuple[str, ...] = ()
    """Keys of other sections that show what this one's edits change (a stage shown in the
    master data): with htmx they come back with it and replace themselves (out of band)."""

    @property
    def dom_id(self) -> str:
        return self.anchor or self.key


_registry: dict[str, Section] = {}
_address_keepers: list[Callable[[Any], str]] = []


def register(section: Section) -> Section:
    """Add a section; a second one with the same key or endpoint name is a mistake."""
    if section.key in _registry:
        raise ValueError(f"an account section {section.key!r} is registered already")
    taken = {e.name for s in _registry.values() for e in s.endpoints}
    clash = taken & {e.name for e in section.endpoints}
    if clash:
        raise ValueError(f"endpoint names taken by another section: {sorted(clash)}")
    _registry[section.key] = section
    return section


def unregister(key: str) -> None:
    """For tests that add a section of their own and take it away after."""
    _registry.pop(key, None)


def registered() -> list[Section]:
    """Every section in page order."""
    return sorted(_registry.values(), key=lambda s: (s.order, s.key))


def get(key: str) -> Section | None:
    return _registry.get(key)


def related() -> list[str]:
    """What the page's one account query selects, for every section."""
    return sorted({path for s in _registry.values() for path in s.related})


class Page:
    """What a section's context function and endpoints get: the request, the account the
    user may see, and the state shared by the page's sections (read once)."""

    def __init__(self, request: HttpRequest, account: Account, bound: dict | None = None):
        self.request = request
        self.account = account
        self.user = request.user
        self.bound = bound or {}
        self.query = query_of(request)
        self._team: list | None = None
        self._may: dict[Action, bool] = {}
        self._shared: dict[str, Any] = {}

    def team(self) -> list:
        """The account team with its people, ordered by role then name; one query."""
        if self._team is None:
            self._team = list(
                self.account.team.select_related("user").order_by("role", "user__username")
            )
        return self._team

    def may(self, action: Action) -> bool:
        """The access layer's answer for this account, asked once per action."""
        if action not in self._may:
            ids = {member.user_id for member in self.team()}
            self._may[action] = access.may(self.user, action, self.account, team_user_ids=ids)
        return self._may[action]

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value several sections read (the period's analysis), computed once per page.
        Keys are the app's own, e.g. "value.analysis"."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def form(self, key: str, make: Callable[[], Any]):
        """The bound form `key` if it failed and is shown again, else a fresh one."""
        return self.bound[key] if key in self.bound else make()


def keep_in_address(keeper: Callable[[Any], str]) -> None:
    """A domain's part of the page's state that travels in the address (the value app's
    period): `keeper(request.GET)` gives its query part, written the domain's own way,
    or "" when the address names none."""
    if keeper not in _address_keepers:
        _address_keepers.append(keeper)


def query_of(request: HttpRequest) -> str:
    """The page's state from the address (e.g. the period shown), kept on the page's links,
    form actions and redirects, so an edit returns to the same view of the account."""
    parts = [part for keeper in _address_keepers if (part := keeper(request.GET))]
    return f"?{'&'.join(parts)}" if parts else ""


def submit(form, key: str, save, anchor) -> Saved | Refused:
    """Every edit of a section: a bound form, checked, handed to a service function; a bad
    form or a refusal from the service (a stale edit among them) comes back with the
    reason, and success names where the page returns to (`anchor`, or anchor(data))."""
    if not form.is_valid():
        return Refused({key: form})
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return Refused({key: form})
    return Saved(anchor(form.cleaned_data) if callable(anchor) else anchor)
