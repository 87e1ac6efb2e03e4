"""The visits section of the account page (see kam.accounts.sections): the account's visits,
newest first, and — for those who may edit the account — logging, changing and deleting
one. Every write goes through kam.care.services (which keeps "last met" and the next-step
tasks); a change carries what the user saw, so an edit made on a stale page is refused."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kam.accounts.access import Action
from kam.accounts.sections import Endpoint, Page, Refused, Saved, Section, get, register, submit
from kam.core.concurrency import seen_token
from kam.people import services as people
from kam.people.models import Contact

from . import services
from .choices import TaskOrigin
from .forms import VisitForm
from .models import Task, Visit

KEY = "visits"
VISITS_SHOWN = 30
ADD, EDIT = "visit_add", "visit_edit"


# ---------------------------------------------------------------- reading


def _visits(account) -> list[Visit]:
    """The latest visits (one more than shown, to know whether there are more) with their
    people and next-step tasks: four queries whatever their number. Each carries
    `overdue`: a next step whose date passed and is not done."""
    today = timezone.localdate()
    steps = Prefetch(
        "tasks",
        queryset=Task.objects.alive().filter(origin=TaskOrigin.NEXT_STEP),
        to_attr="step_tasks",
    )
    rows = list(
        Visit.objects.alive()
        .filter(account=account)
        .select_related("created_by")
        .prefetch_related("our_people", "their_people", steps)[: VISITS_SHOWN + 1]
    )
    for visit in rows:
        done = any(t.done_at is not None for t in visit.step_tasks)
        visit.overdue = bool(visit.next_step_on and visit.next_step_on < today and not done)
        visit.step_done = done
    return rows


def _our_choices(page: Page, visit: Visit | None = None) -> list:
    """The account team first, then every other active user (and, for a change, whoever is
    on the visit already even if no longer active), as grouped choices."""
    team = {m.user_id: m.user for m in page.team() if m.user.is_active}
    others = get_user_model().objects.filter(is_active=True).exclude(pk__in=list(team))
    if visit is not None:
        others = others | get_user_model().objects.filter(pk__in=visit.our_people.all())
    others = others.exclude(pk__in=list(team)).distinct().order_by("username")
    return [
        (gettext_lazy("Account team"), [(pk, str(user)) for pk, user in team.items()]),
        (gettext_lazy("Others"), [(user.pk, str(user)) for user in others]),
    ]


def _their_choices(page: Page, visit: Visit | None = None) -> list:
    """The account's living contacts, and for a change whoever is on the visit already."""
    contacts = Contact.objects.alive().filter(account=page.account)
    if visit is not None:
        contacts = contacts | Contact.objects.filter(pk__in=visit.their_people.all())
    return [(c.pk, str(c)) for c in contacts.distinct().order_by("name")]


def _add_form(page: Page, data=None) -> VisitForm:
    initial = {"date": timezone.localdate(), "our_people": [page.user.pk]}
    return VisitForm(
        data,
        prefix="visit",
        initial=initial,
        our_choices=_our_choices(page),
        their_choices=_their_choices(page),
    )


def _edit_form(page: Page, visit: Visit, data=None) -> VisitForm:
    """A change of `visit`: shown with its values and what the user saw (the token)."""
    initial = None
    if data is None:
        initial = {
            **{name: getattr(visit, name) for name in services.VISIT_FIELDS},
            "our_people": [u.pk for u in visit.our_people.all()],
            "their_people": [c.pk for c in visit.their_people.all()],
            "seen": seen_token(visit, services.visit_watches(visit)),
        }
    form = VisitForm(
        data,
        prefix=f"visit-{visit.pk}",
        initial=initial,
        seen_of=visit,
        our_choices=_our_choices(page, visit),
        their_choices=_their_choices(page, visit),
    )
    form.visit = visit
    return form


def _visit(page: Page, visit_id: int) -> Visit:
    """A living visit of the page's account (404 otherwise: the account was checked)."""
    visit = Visit.objects.alive().filter(account=page.account, pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def _asked_edit(page: Page):
    """The change form the address asks for (?edit_visit=ID, the link without htmx)."""
    raw = page.request.GET.get("edit_visit", "")
    if not raw.isdigit():
        return None
    visit = Visit.objects.alive().filter(account=page.account, pk=int(raw)).first()
    return _edit_form(page, visit) if visit is not None else None


def visits_context(page: Page) -> dict:
    """The visits, newest first; the forms for those who may edit the account."""
    account = page.account
    may_edit = page.may(Action.EDIT)
    visits = _visits(account)
    more = len(visits) > VISITS_SHOWN  # counted only then: one query less on most pages
    context = {
        "visits": visits[:VISITS_SHOWN],
        "visit_count": Visit.objects.alive().filter(account=account).count()
        if more
        else len(visits),
        "visits_shown": VISITS_SHOWN,
        "may_edit_visits": may_edit,
        "add_form": None,
        "edit_form": None,
    }
    if may_edit:
        context["add_form"] = page.form(ADD, lambda: _add_form(page))
        context["edit_form"] = page.bound.get(EDIT) or _asked_edit(page)
    return context


# ---------------------------------------------------------------- writing


def _people(page: Page, data: dict, visit: Visit | None = None) -> dict:
    """The chosen ids as people: users among the offered ones, contacts of this account
    (people.contacts_of; for a change, also those on the visit already)."""
    users = list(get_user_model().objects.filter(pk__in=data["our_people"]))
    contacts = people.contacts_of(page.account, data["their_people"])
    if visit is not None:
        known = {c.pk for c in contacts}
        contacts += [
            c
            for c in visit.their_people.all()
            if c.pk in data["their_people"] and c.pk not in known
        ]
    return {"our_people": users, "their_people": contacts}


def _fields(data: dict) -> dict:
    return {name: data[name] for name in services.VISIT_FIELDS}


def add_visit(page: Page) -> Saved | Refused:
    """Log a visit; its people's "last met" and a next step's task follow (services)."""
    form = _add_form(page, page.request.POST)
    return submit(
        form,
        ADD,
        lambda data: services.log_visit(
            page.account, by=page.user, **_fields(data), **_people(page, data)
        ),
        KEY,
    )


def edit_visit_form(page: Page, visit_id: int) -> HttpResponse:
    """The section with the change form of one visit open (htmx asks for it)."""
    from kam.accounts.views.detail import render_section

    form = _edit_form(page, _visit(page, visit_id))
    return HttpResponse(render_section(Page(page.request, page.account, {EDIT: form}), get(KEY)))


def change_visit(page: Page, visit_id: int) -> Saved | Refused:
    """Save a change; refused with what changed when the visit moved on meanwhile."""
    visit = _visit(page, visit_id)
    form = _edit_form(page, visit, page.request.POST)
    return submit(
        form,
        EDIT,
        lambda data: services.update_visit(
            visit,
            by=page.user,
            seen=data["seen"],
            **_fields(data),
            **_people(page, data, visit),
        ),
        KEY,
    )


def delete_visit(page: Page, visit_id: int) -> Saved:
    """Delete softly (restorable in the admin); "last met" falls back, its task goes."""
    services.delete_visit(_visit(page, visit_id), by=page.user)
    return Saved(KEY)


def register_sections() -> None:
    """Called from CareConfig.ready()."""
    register(
        Section(
            key=KEY,
            title=gettext_lazy("Visits"),
            order=35,
            template="care/sections/visits.html",
            context=visits_context,
            # A visit moves "last met": the coverage (the minefield), the contacts' and the
            # org chart's "last met" follow without a reload.
            also=("coverage", "people", "orgchart"),
            endpoints=(
                Endpoint(ADD, "add/", add_visit, Action.EDIT),
                Endpoint(
                    "visit_edit_form",
                    "<int:visit_id>/edit/",
                    edit_visit_form,
                    Action.EDIT,
                    method="GET",
                ),
                Endpoint("visit_change", "<int:visit_id>/change/", change_visit, Action.EDIT),
                Endpoint("visit_delete", "<int:visit_id>/delete/", delete_visit, Action.EDIT),
            ),
        )
    )
