"""The account 360° page (/customers/<id>/): a shell over the registered sections.

The shell knows no domain: it asks the access layer for the account (404 when the user
may not see it), asks the registry (kam.accounts.sections) for the sections the user may
see, renders each with its own context and template, and lays them out. Each section's
endpoints come through `endpoint_view`: the account is checked for the endpoint's action
(404 hidden, 403 seen but not allowed) before its handler runs; then htmx requests get
only the section back (re-rendered, or with the refusal inside it), and plain form posts
the whole page (a redirect to the section, or the page with the errors, 400).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from kam.accounts import access, sections
from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.accounts.sections import HEADER, MAIN, TITLE, Page, Refused, Section

ACCOUNT_RELATED = ("region", "owner", "parent", "referred_by")


@dataclass(frozen=True)
class Shown:
    """A section as the page lays it out: its registration and its HTML."""

    section: Section
    html: str


@login_required
def account_detail(request, pk):
    return _page(Page(request, _visible_account(request.user, pk)))


def _visible_account(user, pk, action: Action = Action.VIEW) -> Account:
    """The account with what every section reads of it, in one query."""
    queryset = Account.objects.select_related(*ACCOUNT_RELATED, *sections.related())
    return access.get_account(user, pk, action, queryset)


def render_section(page: Page, section: Section) -> str:
    """One section's HTML: its own context, plus the account, the query and itself."""
    context = {
        **section.context(page),
        "account": page.account,
        "query": page.query,
        "section": section,
        "page": page,
    }
    return render_to_string(section.template, context, request=page.request)


def out_of_band(page: Page, key: str) -> str:
    """Another section as it is now, marked to replace itself wherever it is on the page
    (htmx's hx-swap-oob on its root, the element with data-section); "" if not shown."""
    other = sections.get(key)
    if other is None or not page.may(other.action):
        return ""
    html = render_section(page, other)
    return html.replace(" data-section=", ' hx-swap-oob="true" data-section=', 1)


def _page(page: Page, status: int = 200) -> HttpResponse:
    shown = [
        Shown(section, render_section(page, section))
        for section in sections.registered()
        if page.may(section.action)
    ]
    context = {
        "account": page.account,
        "query": page.query,
        "title": [s for s in shown if s.section.place == TITLE],
        "header": [s for s in shown if s.section.place == HEADER],
        "main": [s for s in shown if s.section.place == MAIN],
    }
    return render(page.request, "accounts/detail.html", context, status=status)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def endpoint_view(section: Section, endpoint: sections.Endpoint):
    """The Django view serving one endpoint of a section (see kam.accounts.sections)."""

    @login_required
    def view(request, pk, **kwargs):
        if request.method != endpoint.method:
            return HttpResponseNotAllowed([endpoint.method])
        account = _visible_account(request.user, pk, endpoint.action)
        outcome = endpoint.handler(Page(request, account), **kwargs)
        if isinstance(outcome, HttpResponse):
            return outcome
        if isinstance(outcome, Refused):
            page = Page(request, account, outcome.bound)
            if is_htmx(request):
                return HttpResponse(render_section(page, section), status=400)
            return _page(page, status=400)
        if is_htmx(request):  # the section as it is now, read again after the edit
            page = Page(request, _visible_account(request.user, pk))
            also = "".join(out_of_band(page, key) for key in section.also)
            return HttpResponse(render_section(page, section) + also)
        url = reverse("accounts:detail", args=[account.pk])
        return redirect(f"{url}{sections.query_of(request)}#{outcome.anchor or section.dom_id}")

    view.__name__ = view.__qualname__ = f"{section.key}_{endpoint.name}"
    view.__doc__ = getattr(endpoint.handler, "__doc__", None)
    return view
