"""The org chart section of the account page and its endpoints (see kam.accounts.sections):
the chart drawn from kam.people.orgchart, its data as JSON, and the small edits made from
it — add a person, change one's manager, level, roles and attitude, take one off the chart
or off the account, draw or erase an influence or conflict line.

The shell checks the account (404 for one the user may not see, 403 for one seen but not
editable) before a handler runs; every write goes through kam.people.services, and edits of
an existing person carry what the user saw so a stale one is refused."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.accounts.access import Action
from kam.accounts.sections import Endpoint, Page, Refused, Saved, Section, register, submit
from kam.core.concurrency import lock, refuse_if_stale, seen_token

from .. import orgchart, services
from ..choices import ORG_CHART_LINES, BuyingRole, Level
from ..models import Connection, Contact
from ..orgchart_forms import AddPersonForm, EditPersonForm, LineForm, PersonActionForm

KEY = "orgchart"
ANCHOR = "orgchart"
ERROR = "orgchart_error"


def _people(account) -> list[Contact]:
    """The account's living contacts, on the chart or not; one query."""
    return list(Contact.objects.alive().filter(account=account).order_by("name", "id"))


def _ties(people: list[Contact]) -> list[Connection]:
    """The influence and conflict lines between the chart's people; one query (none when
    the chart is empty)."""
    ids = [p.pk for p in people]
    if not ids:
        return []
    return list(
        Connection.objects.alive()
        .filter(kind__in=ORG_CHART_LINES, a_contact_id__in=ids, b_contact_id__in=ids)
        .order_by("id")
    )


def _chart(people, ties) -> orgchart.Chart:
    return orgchart.chart_data(
        [orgchart.person_of(p) for p in people], [orgchart.tie_of(t) for t in ties]
    )


def orgchart_context(page: Page) -> dict:
    """The chart, its option for ECharts, the legend; the edit forms for those who may edit."""
    people = _people(page.account)
    on_chart = [p for p in people if p.on_chart]
    ties = _ties(on_chart)
    chart = _chart(on_chart, ties)
    names = {p.pk: p.name for p in on_chart}
    lines = [
        {
            "id": t.pk,
            "a": names[t.a_contact_id],
            "b": names[t.b_contact_id],
            "kind": t.kind,
            "label": _("influences") if t.kind == orgchart.INFLUENCES else _("in conflict with"),
            "strength": t.strength,
        }
        for t in ties
    ]
    may_edit = page.may(Action.EDIT)
    option = orgchart.chart_option(chart)
    context = {
        "chart": chart,
        "option": option,
        "option_json": json.dumps(option) if option else "",
        "size": orgchart.chart_size(chart),
        "rows": _rows(chart, on_chart, page if may_edit else None),
        "unplaced": [chart.nodes[i] for i in chart.unplaced],
        "off_chart": _off_chart(people) if may_edit else [],
        "lines": lines,
        "support_legend": orgchart.legend_entries(),
        "line_legend": orgchart.line_legend(),
        "may_edit": may_edit,
        "orgchart_error": page.bound.get(ERROR),
    }
    if may_edit:
        context["add_form"] = page.form("orgchart_add", lambda: AddPersonForm(people=on_chart))
        context["line_form"] = page.form("orgchart_line", lambda: LineForm(people=on_chart))
    return context


def _rows(chart: orgchart.Chart, on_chart: list[Contact], page: Page | None) -> list[dict]:
    """The chart as a list, tree order, each person with their edit form (if any)."""
    by_id = {p.pk: p for p in on_chart}
    levels = dict(Level.choices)
    roles = dict(BuyingRole.choices)
    order = _tree_order(chart)
    rows = []
    for node_id in order:
        node, contact = chart.nodes[node_id], by_id[node_id]
        row = {
            "node": node,
            "contact": contact,
            "level": levels.get(node.level, ""),
            "roles": [roles.get(r, r) for r in node.roles],
            "support": orgchart.support_label(node.support),
            "colour_key": node.support or orgchart.UNKNOWN,
            "manager": by_id[node.manager_id].name if node.manager_id else "",
        }
        if page is not None:
            row["token"] = seen_token(contact, services.contact_watches(contact))
            row["form"] = page.form(
                f"orgchart_edit_{node_id}",
                lambda c=contact, t=row["token"]: _edit_form(c, t, on_chart),
            )
            row["open"] = f"orgchart_edit_{node_id}" in page.bound
        rows.append(row)
    return rows


def _tree_order(chart: orgchart.Chart) -> list[int]:
    """Each root followed by its reports, depth first; then those not placed."""
    out: list[int] = []

    def walk(node_id: int) -> None:
        if node_id in out:
            return
        out.append(node_id)
        for kid in chart.nodes[node_id].reports:
            walk(kid)

    for root in chart.roots:
        walk(root)
    return out + [i for i in chart.unplaced if i not in out]


def _edit_form(contact: Contact, token: str, on_chart: list[Contact]) -> EditPersonForm:
    initial = {
        "title": contact.title,
        "level": contact.level,
        "reports_to": str(contact.reports_to_id or ""),
        "roles": list(contact.roles or []),
        "support": contact.support,
        "seen": token,
    }
    return EditPersonForm(initial=initial, people=on_chart, me=contact.pk)


def _off_chart(people: list[Contact]) -> list[dict]:
    """Contacts of the account kept off the chart, each with the token to put them back."""
    return [
        {"contact": p, "token": seen_token(p, services.contact_watches(p))}
        for p in people
        if not p.on_chart
    ]


# ---------------------------------------------------------------- endpoints


def _contact(page: Page, contact_id: int) -> Contact:
    """A living contact of this account, else 404 (never another account's)."""
    contact = Contact.objects.alive().filter(account=page.account, pk=contact_id).first()
    if contact is None:
        raise Http404(_("No such person at this account."))
    return contact


def _on_chart(page: Page) -> list[Contact]:
    return [p for p in _people(page.account) if p.on_chart]


def add_person(page: Page) -> Saved | Refused:
    """A new person on the chart, with a manager, roles and attitude if given."""
    account, by = page.account, page.user
    form = AddPersonForm(page.request.POST, people=_on_chart(page))
    return submit(
        form,
        "orgchart_add",
        lambda data: services.create_contact(account, by=by, **form.values()),
        ANCHOR,
    )


def edit_person(page: Page, contact_id: int) -> Saved | Refused:
    """One person's title, level, manager, buying roles and attitude (history keeps each)."""
    contact = _contact(page, contact_id)
    form = EditPersonForm(page.request.POST, people=_on_chart(page), me=contact.pk, seen_of=contact)
    return submit(
        form,
        f"orgchart_edit_{contact.pk}",
        lambda data: services.update_contact(
            contact, by=page.user, seen=data["seen"], **form.values()
        ),
        ANCHOR,
    )


def _switch_chart(page: Page, contact_id: int, on_chart: bool) -> Saved | Refused:
    contact = _contact(page, contact_id)
    form = PersonActionForm(page.request.POST, seen_of=contact)
    return submit(
        form,
        ERROR,
        lambda data: services.update_contact(
            contact, by=page.user, seen=data["seen"], on_chart=on_chart
        ),
        ANCHOR,
    )


def take_off_chart(page: Page, contact_id: int) -> Saved | Refused:
    """Not drawn any more, still a contact of the account (Dynamics' "remove from chart")."""
    return _switch_chart(page, contact_id, False)


def put_on_chart(page: Page, contact_id: int) -> Saved | Refused:
    return _switch_chart(page, contact_id, True)


def remove_from_account(page: Page, contact_id: int) -> Saved | Refused:
    """Soft delete (restorable, in history), refused if the person changed since shown."""
    contact = _contact(page, contact_id)
    form = PersonActionForm(page.request.POST, seen_of=contact)
    return submit(form, ERROR, lambda data: _delete(contact, data["seen"], page.user), ANCHOR)


@transaction.atomic
def _delete(contact: Contact, seen, by) -> None:
    current = lock(contact)
    refuse_if_stale(current, seen, services.contact_watches(current))
    services.delete_contact(current, by=by)


def add_line(page: Page) -> Saved | Refused:
    """An influence (a sways b) or conflict line between two people on the chart."""
    form = LineForm(page.request.POST, people=_on_chart(page))
    return submit(
        form,
        "orgchart_line",
        lambda data: services.connect(
            *form.ends(), kind=data["kind"], strength=data["strength"], by=page.user
        ),
        ANCHOR,
    )


def delete_line(page: Page, line_id: int) -> Saved | Refused:
    """Erase an influence or conflict line of this account's chart (softly, in history)."""
    line = (
        Connection.objects.alive()
        .filter(
            pk=line_id,
            kind__in=ORG_CHART_LINES,
            a_contact__account=page.account,
            b_contact__account=page.account,
        )
        .first()
    )
    if line is None:
        raise Http404(_("No such line on this account's chart."))
    services.delete_connection(line, by=page.user)
    return Saved(ANCHOR)


def chart_json(page: Page) -> JsonResponse:
    """The laid-out chart as data: nodes with positions, roots, those not placed, edges."""
    people = _on_chart(page)
    chart = _chart(people, _ties(people))
    data = chart.as_json()
    data["account"] = {"id": page.account.pk, "name": page.account.name}
    return JsonResponse(data)


def register_sections() -> None:
    """Called from PeopleConfig.ready()."""
    register(
        Section(
            key=KEY,
            anchor=ANCHOR,
            title=gettext_lazy("Org chart"),
            order=32,
            template="people/sections/orgchart.html",
            context=orgchart_context,
            also=("people",),  # the contacts' count and names follow the chart's edits
            endpoints=(
                Endpoint("orgchart_data", "chart.json", chart_json, Action.VIEW, method="GET"),
                Endpoint("orgchart_add", "add/", add_person),
                Endpoint("orgchart_edit", "<int:contact_id>/", edit_person),
                Endpoint("orgchart_off", "<int:contact_id>/off/", take_off_chart),
                Endpoint("orgchart_on", "<int:contact_id>/on/", put_on_chart),
                Endpoint("orgchart_remove", "<int:contact_id>/remove/", remove_from_account),
                Endpoint("orgchart_line", "line/", add_line),
                Endpoint("orgchart_line_delete", "line/<int:line_id>/delete/", delete_line),
            ),
        )
    )
