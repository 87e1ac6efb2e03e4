"""The permission matrix: every route kam serves, every admin page and every CLI write,
tried by each member of the cast on objects that belong to someone else.

Routes are enumerated from the URL configuration, so a new page, export, edit or admin
model without an entry in the tables below fails `test_every_route_has_an_entry`. The
expected outcome of each try comes from the cast's role table (role_table.py), written
out by hand from the user guide; the code under test does not compute it.

Outcomes: a page the user may use answers as it should (200, or the redirect or form
error of a write); an account they may not see answers 404 and names nothing of it; one
they see but may not change this way answers 403; company pages they may not use answer
403; anonymous users are sent to sign in. Every refused write leaves the history and the
accounts as they were.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from kam.accounts.access import Action
from kam.accounts.models import Account, AccountTeamMember, StageCheck
from kam.accounts.tests.role_table import ACCOUNTS, COMPANY, EXPECTED
from kam.care.models import Task, Visit
from kam.core.models import FieldChange
from kam.people.models import CardEvent, Connection, Contact, RelationshipCard, ThirdParty

pytestmark = pytest.mark.django_db

USERS = ("anonymous", *sorted(EXPECTED))
PUBLIC, SIGNED_IN, ACCOUNT, COMPANY_WIDE, OWN_JOB, OWN_TASK = (
    "public",
    "signed in",
    "account",
    "company",
    "own job",
    "own task",
)
ASSIGNEE = "owner_kam"
"""Whose task the world's task is (see `world`): only they may tick it; for everybody else
it does not exist (404)."""
RECORDER = "owner_kam"
"""Who recorded the world's third party and its connection with our colleague."""
RECORDER_OR_MANAGER = frozenset({RECORDER, "boss", "director", "east_manager"})
"""Who may change or delete a third party, or a connection without a customer contact: its
recorder, the regional managers and the portfolio (any active user may record one)."""


@dataclass(frozen=True)
class Route:
    rule: str  # one of the six above
    method: str = "get"
    action: Action | None = None  # for ACCOUNT and COMPANY_WIDE
    ok: frozenset = frozenset({200})  # what a permitted request answers
    kwargs: tuple = ()  # URL arguments besides the account's pk: a value or (world, pk) → value
    hidden_without: Action = Action.VIEW  # without it on the account, the object is not found
    users: frozenset | None = None  # for a rule without an Action: who may
    data: object = None  # (world, pk) → the form a POST sends
    query: tuple = ()  # query-string arguments, values as for kwargs

    def allowed(self, username: str, account: str | None) -> bool | None:
        """True, False, or None for "hidden" (the user may not even see the object)."""
        if self.users is not None:
            return username in self.users
        if self.rule == PUBLIC:
            return True
        if self.rule == SIGNED_IN:
            return True
        if self.rule == COMPANY_WIDE:
            return username in COMPANY[self.action]
        if self.rule == OWN_JOB:  # the job is the director's upload
            if username not in COMPANY[Action.IMPORT]:
                return False
            return True if username == "director" else None
        if self.rule == OWN_TASK:
            return True if username == ASSIGNEE else None
        actions = EXPECTED[username].get(account, set())
        if account == "deleted_account" or self.hidden_without not in actions:
            return None
        if self.action in COMPANY:
            return username in COMPANY[self.action]
        return self.action in actions


def _value(value, world, pk):
    return value(world, pk) if callable(value) else value


def _contact_of(world, pk) -> int:
    """The world's (first) contact on account `pk` (see `world`)."""
    return Contact.objects.filter(account_id=pk).order_by("pk").first().pk


def _line_of(world, pk) -> int:
    """The influence line of the org chart of account `pk` (see `_people_and_visits`)."""
    return Connection.objects.get(a_contact__account_id=pk, kind="influences").pk


def _visit_of(world, pk) -> int:
    return Visit.objects.get(account_id=pk).pk


def _connection_of(world, pk) -> int:
    """The connection of the world's third party with the contact on account `pk`."""
    return Connection.objects.get(a_third=world.third_party, b_contact__account_id=pk).pk


def _third_party(world, pk) -> int:
    return world.third_party.pk


def _third_connection(world, pk) -> int:
    """The connection of our colleague with the third party: no customer contact at an end."""
    return Connection.objects.get(a_user=world.owner_kam, b_third=world.third_party).pk


WRITE = frozenset({200, 302, 400})  # a permitted write: done, or the form's own errors
P = Action.SEE_PERSONAL
CONTACT = (("contact_id", _contact_of),)
CARD = CONTACT
VISIT = (("visit_id", _visit_of),)
ROUTES = {
    "login": Route(PUBLIC),
    "two_factor_login": Route(PUBLIC, ok=frozenset({302})),  # without a password first
    "two_factor": Route(SIGNED_IN),
    "api_tokens": Route(SIGNED_IN),  # only one's own tokens
    "set_language": Route(PUBLIC, "post", ok=frozenset({302})),
    "favicon.ico": Route(PUBLIC, ok=frozenset({301})),
    "home": Route(SIGNED_IN, ok=frozenset({302})),
    "password_change": Route(SIGNED_IN),
    "password_change_done": Route(SIGNED_IN),
    "value:dashboard": Route(SIGNED_IN),
    "accounts:list": Route(SIGNED_IN),
    "accounts:export": Route(SIGNED_IN),
    "value:whatif": Route(COMPANY_WIDE, action=Action.STEER_VALUE),
    "sales:import": Route(COMPANY_WIDE, action=Action.IMPORT),
    "accounts:detail": Route(ACCOUNT, action=Action.VIEW),
    "accounts:chart": Route(ACCOUNT, action=Action.VIEW),
    "accounts:stage": Route(ACCOUNT, "post", Action.EDIT, WRITE, (("track", "sales"),)),
    "accounts:check": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:potential": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:override": Route(ACCOUNT, "post", Action.STEER_VALUE, WRITE),
    "accounts:clear_override": Route(ACCOUNT, "post", Action.STEER_VALUE, WRITE),
    "accounts:team_add": Route(ACCOUNT, "post", Action.MANAGE_TEAM, WRITE),
    "accounts:team_remove": Route(ACCOUNT, "post", Action.MANAGE_TEAM, WRITE),
    # the people section (kam.people.sections): contacts follow their account
    "accounts:contact_add": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:contact_open": Route(  # without htmx: the page with the contact open
        ACCOUNT, "get", Action.EDIT, frozenset({200, 302}), CONTACT
    ),
    "accounts:contact_edit": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    "accounts:contact_delete": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    # the org chart section (kam.people.views.orgchart): its people and lines follow the account
    "accounts:orgchart_data": Route(ACCOUNT, "get", Action.VIEW),
    "accounts:orgchart_add": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:orgchart_edit": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    "accounts:orgchart_off": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    "accounts:orgchart_on": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    "accounts:orgchart_remove": Route(ACCOUNT, "post", Action.EDIT, WRITE, CONTACT),
    "accounts:orgchart_line": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:orgchart_line_delete": Route(
        ACCOUNT, "post", Action.EDIT, WRITE, (("line_id", _line_of),)
    ),
    # the visits section (kam.care.visit_sections): visits follow their account
    "accounts:visit_add": Route(ACCOUNT, "post", Action.EDIT, WRITE),
    "accounts:visit_edit_form": Route(ACCOUNT, "get", Action.EDIT, kwargs=VISIT),
    "accounts:visit_change": Route(ACCOUNT, "post", Action.EDIT, WRITE, VISIT),
    "accounts:visit_delete": Route(ACCOUNT, "post", Action.EDIT, WRITE, VISIT),
    # relationship cards: whoever may not see personal data finds no card (404)
    "people:card": Route(ACCOUNT, "get", Action.SEE_PERSONAL, kwargs=CARD, hidden_without=P),
    "people:card_edit": (
        Route(ACCOUNT, "get", Action.EDIT, kwargs=CARD, hidden_without=P),
        Route(ACCOUNT, "post", Action.EDIT, WRITE, CARD, hidden_without=P),
    ),
    "people:card_erase": (
        Route(ACCOUNT, "get", Action.EDIT, kwargs=CARD, hidden_without=P),
        Route(ACCOUNT, "post", Action.EDIT, frozenset({302}), CARD, hidden_without=P),
    ),
    # the network: third parties are company-wide (anyone records one; its recorder or a
    # manager changes it); a connection with a customer contact follows the contact's account
    "people:third_parties": (
        Route(SIGNED_IN),
        Route(SIGNED_IN, "post", ok=WRITE, data=lambda w, pk: {"name": "矩阵第三方"}),
    ),
    "people:third_party": Route(
        COMPANY_WIDE, "post", ok=WRITE, kwargs=(("pk", _third_party),), users=RECORDER_OR_MANAGER
    ),
    "people:delete_third_party": Route(
        COMPANY_WIDE,
        "post",
        ok=frozenset({302}),
        kwargs=(("pk", _third_party),),
        users=RECORDER_OR_MANAGER,
    ),
    "people:connections": (
        Route(ACCOUNT, "get", Action.VIEW, kwargs=(("kind", "contact"), ("pk", _contact_of))),
        Route(
            ACCOUNT,
            "post",
            Action.EDIT,
            WRITE,
            (("kind", "contact"), ("pk", _contact_of)),
            data=lambda w, pk: {
                "other": f"user:{w.boss.pk}",
                "kind": "friend",
                "strength": "3",
                "outgoing": "on",
            },
        ),
        Route(SIGNED_IN, kwargs=(("kind", "third"), ("pk", _third_party))),
        Route(SIGNED_IN, kwargs=(("kind", "user"), ("pk", lambda w, pk: w.owner_kam.pk))),
    ),
    "people:end_connection": (
        Route(ACCOUNT, "post", Action.EDIT, WRITE, (("pk", _connection_of),)),
        Route(
            COMPANY_WIDE,
            "post",
            ok=WRITE,
            kwargs=(("pk", _third_connection),),
            users=RECORDER_OR_MANAGER,
        ),
    ),
    "people:remove_connection": (
        Route(ACCOUNT, "post", Action.EDIT, WRITE, (("pk", _connection_of),)),
        Route(
            COMPANY_WIDE,
            "post",
            ok=WRITE,
            kwargs=(("pk", _third_connection),),
            users=RECORDER_OR_MANAGER,
        ),
    ),
    # reaching decision makers: what one sees of the network; a target one may not see is 404
    "care:paths": (
        Route(SIGNED_IN),
        Route(ACCOUNT, "get", Action.VIEW, query=(("to", _contact_of),)),
    ),
    "care:introduce": Route(
        ACCOUNT,
        "post",
        Action.VIEW,
        WRITE,
        data=lambda w, pk: {"to": _contact_of(w, pk), "start": w.boss.pk, "path": "0"},
    ),
    "care:whos_who": Route(SIGNED_IN),
    # coverage (kam.care.views.coverage): the upkeep settings, for those who steer value
    "care:policy": (
        Route(COMPANY_WIDE, action=Action.STEER_VALUE),
        Route(COMPANY_WIDE, "post", Action.STEER_VALUE, WRITE),
    ),
    "care:account_network": Route(ACCOUNT, "get", Action.VIEW),
    # tasks: one's own only
    "care:tasks": Route(SIGNED_IN),
    "care:task_done": Route(
        OWN_TASK, "post", ok=frozenset({302}), kwargs=(("pk", lambda w, pk: w.task.pk),)
    ),
    "sales:import-job": Route(OWN_JOB),
    "sales:import-status": Route(OWN_JOB),
    "sales:import-run": Route(OWN_JOB, "post", ok=WRITE),
    "sales:import-problems": Route(OWN_JOB, kwargs=(("kind", "csv"),)),
    "logout": Route(PUBLIC, "post", ok=frozenset({302})),  # last: it ends the session
}


def route_names() -> set[str]:
    """Every named route kam serves outside the admin (and unnamed ones by their path)."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                path = prefix + str(pattern.pattern)
                yield path, (namespace + pattern.name) if pattern.name else path

    return {
        name
        for path, name in walk(get_resolver().url_patterns)
        if not path.startswith(("admin/", "api/"))  # the API has its own table (API below)
    }


def test_every_route_has_an_entry():
    assert route_names() == set(ROUTES), "a route without an entry in ROUTES (or a stale entry)"


def tries() -> list[tuple[str, Route]]:
    """Each route with each of its tries (a route may be tried several ways: GET and POST,
    or on a contact and on a third party)."""
    return [
        (name, route)
        for name, entry in ROUTES.items()
        for route in (entry if isinstance(entry, tuple) else (entry,))
    ]


@pytest.fixture
def world(cast, settings, tmp_path):
    """The cast, each member given staff status (the worst case), and an upload of the
    director's: objects that belong to someone else for everybody but their owner."""
    from kam.sales import web_import

    settings.KAM_IMPORT_INLINE = True
    for name in EXPECTED:
        user = getattr(cast, name)
        user.is_staff = True
        user.save()
    upload = SimpleUploadedFile(
        "orders.csv",
        "客户编码,客户名称,单据编号,日期,金额\nC-E001,上海申华机械有限公司,SO-1,2025-03-01,100\n".encode(),
    )
    cast.job = web_import.save_upload(upload, cast.director)
    for name in ACCOUNTS:
        account = getattr(cast, name)
        Contact.objects.create(account=account, name=f"联系人{account.code}")
        StageCheck.objects.create(account=account, track="sales", stage="qualified", item="x")
    _people_and_visits(cast)
    return cast


def _people_and_visits(world) -> None:
    """Through the services, on every account (the deleted one's included): a card for its
    contact, a second contact who sways the first (an org chart line), a visit, and a
    connection of the contact with a third party recorded by RECORDER, who also knows that
    third party; and a task of ASSIGNEE's."""
    from kam.care import services as care
    from kam.people import cards
    from kam.people import services as people

    world.third_party = people.create_third_party(
        by=world.owner_kam, name="矩阵协会王会长", kind="association"
    )
    people.connect(world.owner_kam, world.third_party, kind="friend", by=world.owner_kam)
    for name in ACCOUNTS:
        account = getattr(world, name)
        contact = Contact.objects.get(account=account)
        report = people.create_contact(account, by=world.boss, name=f"下属{account.code}")
        people.connect(report, contact, kind="influences", by=world.boss)  # an org chart line
        cards.save_card(contact, by=world.boss, interests=f"钓鱼{account.code}")
        care.log_visit(
            account,
            by=world.boss,
            our_people=[world.boss],
            their_people=[contact],
            date="2025-03-01",
        )
        people.connect(world.third_party, contact, kind="association", by=world.boss)
    world.task = care.create_task(
        world.owner_kam, "矩阵任务", by=world.boss, account=world.east_account
    )


def _client(client, world, username):
    if username != "anonymous":
        client.force_login(getattr(world, username))
    return client


def _url(name: str, route: Route, world=None, pk=None) -> str:
    """The route's address for the account `pk` (its kwargs may name another object)."""
    from urllib.parse import urlencode

    if name == "favicon.ico":
        return "/favicon.ico"
    kwargs = {key: _value(value, world, pk) for key, value in route.kwargs}
    if pk is not None and "pk" not in kwargs:
        try:  # the account's pk, where the address takes it
            url = reverse(name, kwargs={"pk": pk, **kwargs})
        except NoReverseMatch:  # an address of another object's (a card: the contact's)
            url = reverse(name, kwargs=kwargs or None)
    else:
        url = reverse(name, kwargs=kwargs or None)
    query = {key: _value(value, world, pk) for key, value in route.query}
    return f"{url}?{urlencode(query)}" if query else url


OTHER_ROWS = {  # what a refused request must leave alone besides accounts and teams
    Contact: ("pk", "deleted_at", "updated_at"),
    RelationshipCard: ("pk", "updated_at", "erased_at"),
    Visit: ("pk", "deleted_at", "updated_at"),
    Task: ("pk", "done_at", "deleted_at", "updated_at"),
    ThirdParty: ("pk", "deleted_at", "updated_at"),
    Connection: ("pk", "deleted_at", "updated_at"),
}


def _state() -> tuple:
    """What a refused write must leave alone (a look at a card it refused is not logged)."""
    accounts = tuple(Account.objects.order_by("pk").values_list(*ACCOUNT_FIELDS))
    team = tuple(AccountTeamMember.objects.order_by("pk").values_list("account", "user", "role"))
    others = tuple(
        tuple(model.objects.order_by("pk").values_list(*fields))
        for model, fields in OTHER_ROWS.items()
    )
    return FieldChange.objects.count(), CardEvent.objects.count(), accounts, team, others


ACCOUNT_FIELDS = ("pk", "owner", "region", "status", "deleted_at", "sales_stage", "name")


def _expect(response, allowed: bool | None, route: Route, username: str, url: str) -> None:
    status = response.status_code
    if username == "anonymous" and route.rule != PUBLIC:
        assert status == 302 and "/accounts/login/" in response["Location"], (url, status)
    elif allowed is None:
        assert status == 404, (url, username, status)
    elif allowed:
        assert status in route.ok, (url, username, status)
    else:
        assert status == 403, (url, username, status)


def _text(response) -> str:
    """What the response shows a person: the page, or the cells of an exported workbook."""
    body = response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return book.read("xl/sharedStrings.xml").decode()
    return body.decode(errors="replace")


@pytest.mark.parametrize("username", USERS)
def test_pages_and_edits(client, world, username):
    from django.db import transaction

    client = _client(client, world, username)
    done = 0
    for name, route in tries():
        if route.rule == ACCOUNT:
            targets = [(n, getattr(world, n).pk) for n in ACCOUNTS]
        elif route.rule == OWN_JOB:
            targets = [(None, world.job.pk)]
        else:
            targets = [(None, None)]
        for account, pk in targets:
            url = _url(name, route, world, pk)
            data = route.data(world, pk) if route.data else None
            with transaction.atomic():  # each try starts from the same world
                before = _state()
                send = getattr(client, route.method)
                response = send(url) if data is None else send(url, data)
                done += 1
                if username == "anonymous":
                    allowed = route.rule == PUBLIC
                else:
                    allowed = route.allowed(username, account)
                _expect(response, allowed, route, username, url)
                if not allowed:
                    assert _state() == before, (url, username, "a refused request changed data")
                if allowed is None and account is not None:
                    assert getattr(world, account).name not in _text(response), url
                transaction.set_rollback(True)
    per_account = sum(route.rule == ACCOUNT for _name, route in tries())
    assert done == len(tries()) + per_account * (len(ACCOUNTS) - 1)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_lists_and_exports_name_only_what_the_user_may_see(client, world, username):
    """Nor the contacts of accounts they may not see (the world's contact on each account
    is connected with the third party; a task of ASSIGNEE's is on each account)."""
    from kam.care.services import create_task

    for name in ACCOUNTS:
        if name != "east_account":
            create_task(world.owner_kam, "任务", by=world.boss, account=getattr(world, name))
    client = _client(client, world, username)
    urls = (
        reverse("accounts:list"),
        reverse("accounts:export"),
        reverse("value:dashboard"),
        reverse("care:tasks"),
        reverse("care:whos_who"),
        reverse("care:paths"),
        reverse("people:third_parties"),
        reverse("people:connections", kwargs={"kind": "third", "pk": world.third_party.pk}),
    )
    for url in urls:
        shown = _text(client.get(url))
        for account in ACCOUNTS:
            visible = account != "deleted_account" and account in EXPECTED[username]
            if username == ASSIGNEE and url == reverse("care:tasks"):
                visible = account != "deleted_account"  # one's own tasks, on any account
            if not visible:
                assert getattr(world, account).name not in shown, (url, account)
                for contact in ("联系人", "下属"):
                    assert f"{contact}{getattr(world, account).code}" not in shown, (url, account)


# ---------------------------------------------------------------- the admin


def _task_rule(action: Action):
    """A task (on an account) is seen by its assignee and by whoever sees its account, and
    changed by its assignee, the portfolio and whoever may edit its account; a deleted
    account's tasks are hidden like its other rows."""

    def rule(username: str, account: str | None) -> bool | None:
        if account == "deleted_account":
            return None
        if username == ASSIGNEE:
            return True
        actions = EXPECTED[username].get(account, set())
        if Action.VIEW not in actions:
            return None
        return username in COMPANY[Action.STEER_VALUE] or action in actions

    return rule


# model → (who may open its list, who may add, an object's page, who may change it)
# Rules: "any" (every active user), a company Action, or ("account", Action) on the
# object's account; None: nobody.
ADMIN = {
    "accounts.region": ("any", Action.ADMINISTER, "any", Action.ADMINISTER),
    "accounts.account": ("any", "manager", ("account", Action.VIEW), "account-change"),
    "accounts.accountteammember": (
        "any",
        ("some", Action.MANAGE_TEAM),
        ("account", Action.VIEW),
        None,
    ),
    "accounts.stagecheck": ("any", None, ("account", Action.VIEW), None),
    "accounts.stagemilestone": ("any", Action.STEER_VALUE, "any", Action.STEER_VALUE),
    "core.fieldchange": (Action.STEER_VALUE, None, Action.STEER_VALUE, None),
    "users.user": (Action.ADMINISTER, Action.ADMINISTER, Action.ADMINISTER, Action.ADMINISTER),
    "users.apitoken": (Action.ADMINISTER, None, Action.ADMINISTER, None),  # look and revoke
    "people.contact": ("any", ("some", Action.EDIT), ("account", Action.VIEW), "edit"),
    "care.visit": ("any", ("some", Action.EDIT), ("account", Action.VIEW), "edit"),
    "care.task": ("any", "any", _task_rule(Action.VIEW), _task_rule(Action.EDIT)),
    "sales.orderline": ("any", None, ("account", Action.VIEW), None),
    "sales.accountmonth": ("any", None, ("account", Action.VIEW), None),
    "sales.costtoserve": ("any", ("some", Action.EDIT), ("account", Action.VIEW), "edit"),
    "sales.importbatch": (Action.IMPORT, None, Action.IMPORT, None),
    "sales.importjob": (Action.IMPORT, None, "own job", None),
    "value.tierconfig": (Action.STEER_VALUE,) * 4,
    "value.accounttier": ("any", None, ("account", Action.VIEW), None),
    "value.accountpotential": ("any", ("some", Action.EDIT), ("account", Action.VIEW), "edit"),
    # the libraries' sign-in records and two-factor devices
    "axes.accessattempt": (Action.ADMINISTER,) * 4,
    "axes.accesslog": (Action.ADMINISTER,) * 4,
    "axes.accessfailurelog": (Action.ADMINISTER,) * 4,
    "otp_totp.totpdevice": (Action.ADMINISTER,) * 4,
    # the job queue (kam worker): read-only, for administrators
    "django_tasks_database.dbtaskresult": (Action.ADMINISTER, None, Action.ADMINISTER, None),
}
MANAGERS = {"boss", "director", "east_manager"}
DELETABLE = {
    "accounts.region",
    "accounts.stagemilestone",
    "accounts.accountteammember",
    "otp_totp.totpdevice",  # an administrator removes a lost phone
}


def test_every_admin_model_has_an_entry():
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN)


def _may(rule, username: str, account: str | None, label: str = "") -> bool | None:
    """True/False, or None when the object is hidden from the user. Rows of a deleted
    account are hidden from everybody; the account itself is found by whoever may
    restore it."""
    if rule is None:
        return False
    if callable(rule):
        return rule(username, account)
    if rule == "any":
        return True
    if rule == "manager":
        return username in MANAGERS
    if isinstance(rule, Action):
        return username in COMPANY[rule]
    if rule == "own job":  # the uploader's, and the administrators'
        return username in ("director", "boss")
    if isinstance(rule, tuple) and rule[0] == "some":
        return any(rule[1] in acts for acts in EXPECTED[username].values())
    actions = EXPECTED[username].get(account, set())
    if account == "deleted_account":
        if label != "accounts.account":
            return None
        return (Action.MANAGE in actions) or None
    return (rule[1] in actions) if Action.VIEW in actions else None


def _objects(world) -> dict[str, list[tuple[str | None, object]]]:
    """One object per model and account (or one for company-wide models)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kam.accounts.models import StageMilestone
    from kam.care.services import create_task
    from kam.sales.models import AccountMonth, CostToServe, ImportBatch, OrderLine
    from kam.users.services import create_api_token
    from kam.value.analytics.policy import Policy
    from kam.value.models import AccountPotential, AccountTier, TierConfig
    from kam.value.services import override_tier, save_tier_config, set_potential

    save_tier_config("默认", Policy())
    milestone = StageMilestone.objects.create(
        track="sales", stage="qualified", department="销售部", when="立项", action="拜访"
    )
    for name in ACCOUNTS:
        account = getattr(world, name)
        if account != world.east_account:  # east_account has the world's task already
            create_task(world.owner_kam, f"任务{account.code}", by=world.boss, account=account)
        if account.deleted_at is None:
            override_tier(account, "gold", reason="test", by=world.boss)
            set_potential(account, by=world.boss, wallet=1000)
        CostToServe.objects.create(account=account, date="2025-01-01", category="visit", amount=1)
    world.deleted_account.refresh_from_db()
    per_account = {
        "accounts.account": Account.objects.all(),
        "accounts.accountteammember": AccountTeamMember.objects.all(),
        "accounts.stagecheck": StageCheck.objects.all(),
        "people.contact": Contact.objects.all(),
        "care.visit": Visit.objects.all(),
        "care.task": Task.objects.all(),
        "sales.costtoserve": CostToServe.objects.all(),
        "sales.orderline": OrderLine.objects.all(),
        "sales.accountmonth": AccountMonth.objects.all(),
        "value.accounttier": AccountTier.objects.all(),
        "value.accountpotential": AccountPotential.objects.all(),
    }
    names = {getattr(world, n).pk: n for n in ACCOUNTS}
    out = {}
    for label, rows in per_account.items():
        first = {}  # one row of each account is enough: the rule follows the account
        for row in rows.order_by("pk"):
            account_id = row.pk if label == "accounts.account" else row.account_id
            first.setdefault(names.get(account_id), row)
        out[label] = list(first.items())
    out["accounts.region"] = [(None, world.east)]
    out["accounts.stagemilestone"] = [(None, milestone)]
    out["core.fieldchange"] = [(None, FieldChange.objects.first())]
    out["users.user"] = [(None, world.outsider_kam)]
    out["users.apitoken"] = [(None, create_api_token(world.outsider_kam, "ERP")[0])]
    out["sales.importbatch"] = [(None, b) for b in ImportBatch.objects.all()[:1]]
    out["sales.importjob"] = [(None, world.job)]
    out["value.tierconfig"] = [(None, TierConfig.objects.first())]
    device = TOTPDevice.objects.create(user=world.outsider_kam, name="手机", confirmed=True)
    out["otp_totp.totpdevice"] = [(None, device)]
    for label in ("axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"):
        out[label] = []  # none yet: their lists and add pages are tried
    out["django_tasks_database.dbtaskresult"] = [(None, _queued_task())]
    return out


def _queued_task():
    from django_tasks_db.models import DBTaskResult

    from kam.value.tasks import refresh_snapshots

    return DBTaskResult.objects.get(id=refresh_snapshots.enqueue().id)


def _admin_outcome(response) -> str:
    if response.status_code == 200:
        return "ok"
    if response.status_code == 403:
        return "refused"
    if response.status_code == 302:
        return "hidden" if "/admin/login/" not in response["Location"] else "login"
    return str(response.status_code)


@pytest.mark.parametrize("username", USERS)
def test_admin_pages(client, world, username):
    client = _client(client, world, username)
    objects = _objects(world)
    for label, (list_rule, add_rule, object_rule, change_rule) in ADMIN.items():
        base = label.replace(".", "_")
        pages = [
            (f"admin:{base}_changelist", None, list_rule),
            (f"admin:{base}_add", None, add_rule),
        ]
        for account, obj in objects[label]:
            if change_rule == "account-change":
                rule = ("account", Action.MANAGE_TEAM)
            elif change_rule == "edit":
                rule = ("account", Action.EDIT)
            else:
                rule = change_rule
            for view in ("change", "history", "delete"):
                pages.append((f"admin:{base}_{view}", (account, obj, rule), object_rule))
        for url_name, target, rule in pages:
            args = [target[1].pk] if target else None
            url = reverse(url_name, args=args)
            account = target[0] if target else None
            response = client.get(url)
            outcome = _admin_outcome(response)
            if username == "anonymous":
                assert outcome == "login", url
                continue
            may = _may(rule, username, account, label)
            if url_name.endswith("_delete"):
                if label in DELETABLE:
                    continue  # deleted by their keepers: see the tests of those admins
                may = False if may else may  # nothing else is hard-deleted through the admin
            # Django's admin answers a refusal with 403 or, where it looks the object up
            # first, with a redirect to the index ("does not exist"): both refuse.
            if may:
                assert outcome == "ok", (url, username, outcome)
            else:
                assert outcome in ("refused", "hidden"), (url, username, outcome)
            if may is None and account is not None:
                assert getattr(world, account).name not in response.content.decode(), url
            if may and url_name.endswith("_change"):  # a save button only for who may change
                may_change = bool(_may(target[2], username, account, label))
                assert ('name="_save"' in response.content.decode()) == may_change, (url, username)


def test_a_team_specialist_with_staff_status_cannot_take_or_move_an_account(client, world):
    """The attack from the issue: staff status and every model permission do not let a
    team member make himself the owner or move the account to another region."""
    from django.contrib.auth.models import Permission

    specialist = world.team_specialist
    specialist.user_permissions.add(*Permission.objects.all())
    client.force_login(specialist)
    account = world.east_account
    url = reverse("admin:accounts_account_change", args=[account.pk])
    page = client.get(url)
    assert page.status_code in (200, 403)
    before = _state()
    response = client.post(
        url,
        {
            "name": account.name,
            "code": account.code,
            "status": account.status,
            "region": world.south.pk,
            "owner": specialist.pk,
            "team-TOTAL_FORMS": "0",
            "team-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    assert _state() == before
    account.refresh_from_db()
    assert (account.owner, account.region) == (world.owner_kam, world.east)


def test_a_kam_cannot_delete_an_account_and_a_manager_can_restore_it(client, world):
    owner = world.owner_kam
    client.force_login(owner)
    changelist = reverse("admin:accounts_account_changelist")
    client.post(changelist, {"action": "soft_delete", "_selected_action": [world.east_account.pk]})
    world.east_account.refresh_from_db()
    assert world.east_account.deleted_at is None
    client.force_login(world.east_manager)
    client.post(
        changelist + "?deleted=yes",
        {"action": "restore", "_selected_action": [world.deleted_account.pk]},
    )
    world.deleted_account.refresh_from_db()
    assert world.deleted_account.deleted_at is None


def test_the_owner_cannot_be_removed_from_the_team_in_the_admin(client, world):
    account = world.east_account
    member = AccountTeamMember.objects.get(account=account, user=world.owner_kam, role="kam")
    client.force_login(world.director)
    response = client.post(
        reverse("admin:accounts_accountteammember_delete", args=[member.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AccountTeamMember.objects.filter(pk=member.pk).exists()
    # nor by ticking "delete" on the team rows of the account's form
    url = reverse("admin:accounts_account_change", args=[account.pk])
    body = client.get(url).context["adminform"].form.initial
    form = {k: v for k, v in body.items() if v is not None and k in ("name", "code", "status")}
    form.update(region=world.east.pk, owner=world.owner_kam.pk)
    members = list(account.team.order_by("pk"))
    form.update({"team-TOTAL_FORMS": len(members), "team-INITIAL_FORMS": len(members)})
    for index, row in enumerate(members):
        form.update({f"team-{index}-id": row.pk, f"team-{index}-account": account.pk})
    form[f"team-{members.index(member)}-DELETE"] = "on"
    response = client.post(url, form)
    assert response.status_code == 200
    assert "hand the account over first" in response.content.decode() or "请先移交客户" in (
        response.content.decode()
    )
    assert AccountTeamMember.objects.filter(pk=member.pk).exists()


# ---------------------------------------------------------------- the command line

CLI = {
    # command → (action it needs, arguments)
    "import orders": (Action.IMPORT, lambda w, path: ["import", "orders", str(path)]),
    "tiers save": (Action.STEER_VALUE, lambda w, path: ["tiers", "save", "试算"]),
    "tiers override": (
        Action.STEER_VALUE,
        lambda w, path: ["tiers", "override", w.south_account.code, "gold", "--reason", "x"],
    ),
    "tiers clear": (
        Action.STEER_VALUE,
        lambda w, path: ["tiers", "clear", w.south_account.code, "--reason", "x"],
    ),
    "analyze --apply": (
        Action.STEER_VALUE,
        lambda w, path: ["analyze", "--year", "2025", "--apply"],
    ),
}


@pytest.mark.parametrize("command", sorted(CLI))
def test_cli_writes_ask_the_access_layer(world, tmp_path, command):
    action, arguments = CLI[command]
    path = tmp_path / "orders.csv"
    path.write_text(
        "客户编码,客户名称,单据编号,日期,金额\nC-S001,广州珠江医院,SO-9,2025-03-01,100\n",
        encoding="utf-8",
    )
    for username in (None, *sorted(EXPECTED)):
        args = arguments(world, path) + (["--as", username] if username else [])
        before = _state()
        if username in COMPANY[action]:
            call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
        else:
            with pytest.raises(CommandError):
                call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
            assert _state() == before, (command, username)


@pytest.mark.parametrize("username", USERS)
def test_the_admin_index_lists_only_what_the_user_may_open(client, world, username):
    client = _client(client, world, username)
    response = client.get(reverse("admin:index"))
    if username == "anonymous":
        assert _admin_outcome(response) == "login"
        return
    assert response.status_code == 200
    page = response.content.decode()
    for label, (list_rule, *_rest) in ADMIN.items():
        url = reverse(f"admin:{label.replace('.', '_')}_changelist")
        assert (f'href="{url}"' in page) == bool(_may(list_rule, username, None)), label


# ---------------------------------------------------------------- the API

# (method, path as the OpenAPI description names it) → who may use it; `kwargs` fills the
# path's other parameters and `body` is a write's JSON, each a function of the world. Every
# operation of the served description needs an entry (test_every_api_operation_has_an_entry).
API_WRITE = frozenset({200, 201, 204, 400, 409})  # done, or refused by the service's rules


@dataclass(frozen=True)
class ApiRoute(Route):
    body: object = None  # world → the JSON body of a write
    on: str | None = None  # the account a write's body names (POST /contacts/)
    form: object = None  # world → the multipart form of an upload

    def allowed(self, username: str, account: str | None) -> bool | None:
        """As for pages; and a deleted account is found by whoever may restore it, for the
        operations that need MANAGE (delete, restore); administrators see every job."""
        if self.users is not None:
            return username in self.users
        if self.rule == OWN_JOB and username in COMPANY[Action.ADMINISTER]:
            return True
        if self.on is not None:  # the object named in the body: `on`'s account
            return super().allowed(username, self.on)
        if account == "deleted_account" and self.action == Action.MANAGE:
            return True if Action.MANAGE in EXPECTED[username].get(account, set()) else None
        return super().allowed(username, account)


MANAGERS = frozenset(  # who manages some account: they create accounts (as in the admin)
    user
    for user, accounts in EXPECTED.items()
    if any(Action.MANAGE in a for a in accounts.values())
)


def _helper_membership(world, pk) -> int:
    """The id of the helper's team row on account `pk` (see test_api_operations…)."""
    return AccountTeamMember.objects.get(account_id=pk, user__username="api_helper").pk


def _line_of(world, pk) -> int:
    """The order line on account `pk` (see `_order_lines`)."""
    from kam.sales.models import OrderLine

    return OrderLine.objects.get(account_id=pk).pk


def _order_lines(world, tmp_path) -> None:
    """One imported line on each account of the world, the deleted one's included."""
    from kam.sales.services import import_orders

    rows = [
        f"{getattr(world, n).code},{getattr(world, n).name},SO-{n},2025-03-01,100" for n in ACCOUNTS
    ]
    path = tmp_path / "lines.csv"
    path.write_text("\n".join(["客户编码,客户名称,单据编号,日期,金额", *rows]), encoding="utf-8")
    import_orders(path, user=world.boss)


def _upload(world) -> dict:
    rows = "客户编码,客户名称,单据编号,日期,金额\nC-E001,上海申华机械有限公司,SO-9,2025-03-01,1\n"
    return {"file": SimpleUploadedFile("orders.csv", rows.encode()), "source": "matrix"}


CARD_ID = (("contact_id", _contact_of),)
STAGE_MOVE = {"track": "sales", "stage": "qualified", "reason": "matrix"}
TIER_SET = {"override": "gold", "reason": "matrix"}
API = {
    ("get", "/api/v1/openapi.json"): ApiRoute(PUBLIC),
    ("get", "/api/v1/docs"): ApiRoute(PUBLIC),
    ("get", "/api/v1/accounts/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/accounts/"): ApiRoute(
        COMPANY_WIDE, "post", ok=API_WRITE, body=lambda w: {"name": "矩阵新客户"}, users=MANAGERS
    ),
    ("get", "/api/v1/accounts/{account_id}/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    ("patch", "/api/v1/accounts/{account_id}/"): ApiRoute(
        ACCOUNT, "patch", Action.MANAGE, API_WRITE, body=lambda w: {"industry": "矩阵"}
    ),
    ("delete", "/api/v1/accounts/{account_id}/"): ApiRoute(
        ACCOUNT, "delete", Action.MANAGE, API_WRITE
    ),
    ("post", "/api/v1/accounts/{account_id}/restore/"): ApiRoute(
        ACCOUNT, "post", Action.MANAGE, API_WRITE, body=lambda w: {}
    ),
    ("get", "/api/v1/accounts/{account_id}/stages/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    ("post", "/api/v1/accounts/{account_id}/stages/"): ApiRoute(
        ACCOUNT, "post", Action.EDIT, API_WRITE, body=lambda w: STAGE_MOVE
    ),
    ("get", "/api/v1/accounts/{account_id}/team/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    ("post", "/api/v1/accounts/{account_id}/team/"): ApiRoute(
        ACCOUNT,
        "post",
        Action.MANAGE_TEAM,
        API_WRITE,
        body=lambda w: {"user": w.finance_user.pk, "role": "finance"},
    ),
    ("delete", "/api/v1/accounts/{account_id}/team/{member_id}/"): ApiRoute(
        ACCOUNT, "delete", Action.MANAGE_TEAM, API_WRITE, (("member_id", _helper_membership),)
    ),
    ("get", "/api/v1/deletions/"): ApiRoute(SIGNED_IN),
    ("get", "/api/v1/contacts/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/contacts/"): ApiRoute(
        ACCOUNT,
        "post",
        Action.EDIT,
        API_WRITE,
        body=lambda w: {"account": w.east_account.pk, "name": "矩阵联系人"},
        on="east_account",
    ),
    ("get", "/api/v1/contacts/{contact_id}/"): ApiRoute(
        ACCOUNT, action=Action.VIEW, kwargs=(("contact_id", _contact_of),)
    ),
    ("patch", "/api/v1/contacts/{contact_id}/"): ApiRoute(
        ACCOUNT,
        "patch",
        Action.EDIT,
        API_WRITE,
        (("contact_id", _contact_of),),
        body=lambda w: {"title": "矩阵"},
    ),
    ("delete", "/api/v1/contacts/{contact_id}/"): ApiRoute(
        ACCOUNT, "delete", Action.EDIT, API_WRITE, (("contact_id", _contact_of),)
    ),
    # value (kam/value/api.py): figures of what one sees; the tier set by those who steer
    ("get", "/api/v1/metrics/"): ApiRoute(SIGNED_IN),
    ("get", "/api/v1/portfolio/"): ApiRoute(SIGNED_IN),
    ("get", "/api/v1/accounts/{account_id}/tier/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    ("put", "/api/v1/accounts/{account_id}/tier/"): ApiRoute(
        ACCOUNT, "put", Action.STEER_VALUE, API_WRITE, body=lambda w: TIER_SET
    ),
    ("get", "/api/v1/accounts/{account_id}/tier/history/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    # sales: the lines follow their account; imports as on the import page (the job is the
    # director's upload: its uploader and administrators see it)
    ("get", "/api/v1/order-lines/"): ApiRoute(SIGNED_IN),
    ("get", "/api/v1/order-lines/{line_id}/"): ApiRoute(
        ACCOUNT, action=Action.VIEW, kwargs=(("line_id", _line_of),)
    ),
    ("get", "/api/v1/imports/"): ApiRoute(COMPANY_WIDE, action=Action.IMPORT),
    ("post", "/api/v1/imports/"): ApiRoute(
        COMPANY_WIDE, "post", Action.IMPORT, frozenset({202}), form=_upload
    ),
    ("get", "/api/v1/imports/{job_id}/"): ApiRoute(
        OWN_JOB, kwargs=(("job_id", lambda w, pk: w.job.pk),)
    ),
    ("get", "/api/v1/imports/{job_id}/report/"): ApiRoute(
        OWN_JOB, kwargs=(("job_id", lambda w, pk: w.job.pk),)
    ),
    # coverage (kam.care.api_coverage) and a contact's history follow their account
    ("get", "/api/v1/accounts/{account_id}/coverage/"): ApiRoute(ACCOUNT, action=Action.VIEW),
    ("get", "/api/v1/contacts/{contact_id}/history/"): ApiRoute(
        ACCOUNT, action=Action.VIEW, kwargs=(("contact_id", _contact_of),)
    ),
    # relationship cards: whoever may not see personal data finds no card (404)
    ("get", "/api/v1/cards/{contact_id}/"): ApiRoute(
        ACCOUNT, action=Action.SEE_PERSONAL, kwargs=CARD_ID, hidden_without=P
    ),
    ("put", "/api/v1/cards/{contact_id}/"): ApiRoute(
        ACCOUNT, "put", Action.EDIT, API_WRITE, CARD_ID, P, body=lambda w: {"notes": "矩阵"}
    ),
    ("patch", "/api/v1/cards/{contact_id}/"): ApiRoute(
        ACCOUNT, "patch", Action.EDIT, API_WRITE, CARD_ID, P, body=lambda w: {"notes": "矩阵"}
    ),
    ("post", "/api/v1/cards/{contact_id}/erase/"): ApiRoute(
        ACCOUNT, "post", Action.EDIT, API_WRITE, CARD_ID, P, body=lambda w: {}
    ),
    # third parties: company-wide; any active user records one, its recorder or a manager
    # changes or deletes it
    ("get", "/api/v1/third-parties/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/third-parties/"): ApiRoute(
        SIGNED_IN, "post", ok=API_WRITE, body=lambda w: {"name": "矩阵", "kind": "friend"}
    ),
    ("get", "/api/v1/third-parties/{third_party_id}/"): ApiRoute(
        SIGNED_IN, kwargs=(("third_party_id", _third_party),)
    ),
    ("patch", "/api/v1/third-parties/{third_party_id}/"): ApiRoute(
        COMPANY_WIDE,
        "patch",
        ok=API_WRITE,
        kwargs=(("third_party_id", _third_party),),
        users=RECORDER_OR_MANAGER,
        body=lambda w: {"notes": "矩阵"},
    ),
    ("delete", "/api/v1/third-parties/{third_party_id}/"): ApiRoute(
        COMPANY_WIDE,
        "delete",
        ok=API_WRITE,
        kwargs=(("third_party_id", _third_party),),
        users=RECORDER_OR_MANAGER,
    ),
    # connections: listed when both ends are visible; one with a customer contact is changed
    # by those who may edit the contact's account
    ("get", "/api/v1/connections/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/connections/"): ApiRoute(
        ACCOUNT,
        "post",
        Action.EDIT,
        API_WRITE,
        body=lambda w: {
            "a": {"type": "user", "id": w.boss.pk},
            "b": {"type": "contact", "id": _contact_of(w, w.east_account.pk)},
            "kind": "friend",
        },
        on="east_account",
    ),
    ("get", "/api/v1/connections/{connection_id}/"): ApiRoute(
        ACCOUNT, action=Action.VIEW, kwargs=(("connection_id", _connection_of),)
    ),
    ("patch", "/api/v1/connections/{connection_id}/"): ApiRoute(
        ACCOUNT,
        "patch",
        Action.EDIT,
        API_WRITE,
        (("connection_id", _connection_of),),
        body=lambda w: {"notes": "矩阵"},
    ),
    ("delete", "/api/v1/connections/{connection_id}/"): ApiRoute(
        ACCOUNT, "delete", Action.EDIT, API_WRITE, (("connection_id", _connection_of),)
    ),
    ("get", "/api/v1/paths/"): ApiRoute(ACCOUNT, action=Action.VIEW, query=(("to", _contact_of),)),
    # visits follow their account; tasks are their assignee's
    ("get", "/api/v1/visits/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/visits/"): ApiRoute(
        ACCOUNT,
        "post",
        Action.EDIT,
        API_WRITE,
        body=lambda w: {"account": w.east_account.pk, "date": "2025-03-02"},
        on="east_account",
    ),
    ("get", "/api/v1/visits/{visit_id}/"): ApiRoute(
        ACCOUNT, action=Action.VIEW, kwargs=(("visit_id", _visit_of),)
    ),
    ("patch", "/api/v1/visits/{visit_id}/"): ApiRoute(
        ACCOUNT,
        "patch",
        Action.EDIT,
        API_WRITE,
        (("visit_id", _visit_of),),
        body=lambda w: {"notes": "矩阵"},
    ),
    ("delete", "/api/v1/visits/{visit_id}/"): ApiRoute(
        ACCOUNT, "delete", Action.EDIT, API_WRITE, (("visit_id", _visit_of),)
    ),
    ("get", "/api/v1/tasks/"): ApiRoute(SIGNED_IN),
    ("post", "/api/v1/tasks/{task_id}/done/"): ApiRoute(
        OWN_TASK, "post", ok=API_WRITE, kwargs=(("task_id", lambda w, pk: w.task.pk),)
    ),
}


def api_operations() -> set[tuple[str, str]]:
    """Every operation the API serves, from its own description, and the two pages."""
    from kam.api.main import api

    schema = api.get_openapi_schema()
    operations = {(m, path) for path, item in schema["paths"].items() for m in item}
    return operations | {("get", "/api/v1/openapi.json"), ("get", "/api/v1/docs")}


def test_every_api_operation_has_an_entry():
    assert api_operations() == set(API), "an API operation without an entry in API (or stale)"


def _api_url(path: str, route: ApiRoute, world, pk=None) -> str:
    from urllib.parse import urlencode

    values = {name: value(world, pk) for name, value in route.kwargs}
    if pk is not None:
        values["account_id"] = pk
    query = {key: _value(value, world, pk) for key, value in route.query}
    return path.format(**values) + (f"?{urlencode(query)}" if query else "")


def _api_expect(response, allowed: bool | None, route: ApiRoute, username: str, url: str):
    status = response.status_code
    if username == "anonymous" and route.rule != PUBLIC:
        assert status == 401, (url, status)
    elif allowed is None:
        assert status == 404, (url, username, status)
    elif allowed:
        assert status in route.ok, (url, username, status, response.content[:300])
    else:
        assert status == 403, (url, username, status)
    if status >= 400:
        assert set(response.json()) >= {"detail", "errors"}, url


@pytest.mark.parametrize("username", USERS)
def test_api_operations_with_each_members_token(world, username, tmp_path):
    """The API with a token of each member of the cast (anonymous: no token)."""
    from django.db import transaction
    from django.test import Client

    from kam.accounts.services import add_team_member
    from kam.users.models import User
    from kam.users.services import create_api_token

    helper = User.objects.create_user("api_helper", role="specialist")  # removable everywhere
    for name in ACCOUNTS:
        add_team_member(getattr(world, name), helper, "other")
    _order_lines(world, tmp_path)
    headers = {}
    if username != "anonymous":
        _row, token = create_api_token(getattr(world, username), "matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client = Client(**headers)
    for (method, path), route in API.items():
        targets = [(n, getattr(world, n).pk) for n in ACCOUNTS] if route.rule == ACCOUNT else []
        for account, pk in targets or [(None, None)]:
            url = _api_url(path, route, world, pk)
            body = route.body(world) if route.body else None
            if username == "anonymous":
                allowed = route.rule == PUBLIC
            else:
                allowed = route.allowed(username, account)
            with transaction.atomic():  # each try starts from the same world
                before = _state()
                if route.form is not None:
                    response = client.post(url, route.form(world))
                elif body is None:
                    response = getattr(client, method)(url)
                else:
                    response = getattr(client, method)(url, body, content_type="application/json")
                _api_expect(response, allowed, route, username, url)
                if not allowed:
                    assert _state() == before, (url, username, "a refused request changed data")
                transaction.set_rollback(True)
            if allowed is None and account is not None:
                assert getattr(world, account).name not in _text(response), url
            if method == "get" and route.rule == SIGNED_IN and username != "anonymous":
                _names_only_what_they_see(response, username, world, url)


def _names_only_what_they_see(response, username: str, world, url: str) -> None:
    """A list for everybody names no account the user may not see, nor its contacts."""
    import json

    shown = json.dumps(response.json(), ensure_ascii=False)
    for name in ACCOUNTS:
        if name not in EXPECTED[username]:
            account = getattr(world, name)
            assert account.name not in shown, (url, username, name)
            for contact in ("联系人", "下属"):
                assert f"{contact}{account.code}" not in shown, (url, username, name)
