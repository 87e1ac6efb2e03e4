"""Every page's exact query count, the same with the demo company and with ten times it
(DESIGN: "Query counts pinned exactly for pages and API lists").

The counts live in kam/query_counts.json, one file for the whole project (see
kam.core.testing); after a deliberate change refresh them with
``UPDATE_QUERY_COUNTS=1 make test`` and review the file's diff. Each page is measured
twice per user:

- **cold**: the first visit after a change of the data — the analysis caches, the
  snapshots on disk and Django's cache emptied, so the page computes what it needs;
- **warm**: the second visit, what every later visitor costs (the data stamp, the
  session and user, the visible accounts, a few names).

Both are exact, not ceilings: the caches are emptied by the test, so nothing left by an
earlier request decides the cold count, and the analysis loads each input in one query
whatever its size. Both scales check the same keys, so a query per row or per account
fails at once: the demo shows 50 rows a page from ~300 (scale 1) or ~3,000 (scale 10)
accounts. Cold counts differ between SQLite and PostgreSQL (the file keeps both): on
PostgreSQL the analysis reads its inputs through COPY, which Django's query log misses.

The test lives with the shell (kam/web) because it covers the pages of every app; it
also fails when a URL pattern that answers GET has no baseline here.
"""

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from kam.core import testing
from kam.demo.services import build_demo
from kam.sales import web_import
from kam.users.choices import Role
from kam.users.models import User
from kam.value import portfolio, snapshot

pytestmark = pytest.mark.django_db

BOTH = ("boss", "kam")
"""The boss sees the whole portfolio; a KAM's analysis pages are narrowed to his accounts."""
BOSS = ("boss",)
"""Pages a KAM may not open (what-if, import) or that are the same for everyone."""
PHASES = ("cold", "warm")


@dataclass(frozen=True)
class Page:
    """A GET request whose queries are pinned, for each of `users`."""

    name: str
    """The URL pattern's name (namespace:name), or its route when it has no name."""
    variant: str = ""
    users: tuple[str, ...] = BOTH
    status: int = 200
    args: Callable[[SimpleNamespace], list] = lambda demo: []
    query: Callable[[SimpleNamespace], str] = lambda demo: ""
    path: str = ""
    """The address of a pattern without a name (it cannot be reversed)."""
    htmx: bool = False
    """Asked for by htmx (a section's part), as the page asks for it."""

    def url(self, demo: SimpleNamespace) -> str:
        url = self.path or reverse(self.name, args=self.args(demo))
        query = self.query(demo)
        return f"{url}?{query}" if query else url

    def key(self, user: str, phase: str) -> str:
        page = f"{self.name} ({self.variant})" if self.variant else self.name
        return f"page {page} | {user} | {phase}"


def _account(demo):
    return [demo.account.pk]


def _job(demo):
    return [demo.job.pk]


def _contact(demo):
    return [demo.account.pk, demo.contact.pk]


PAGES = [
    Page("home", users=BOSS, status=302),
    Page("favicon.ico", users=("anonymous",), status=301, path="/favicon.ico"),
    Page("login", users=("anonymous",)),
    Page("password_change", users=BOSS),
    Page("password_change_done", users=BOSS),
    Page("two_factor", users=BOSS),
    Page("api_tokens", users=BOSS),
    Page("two_factor_login", users=("anonymous",), status=302),
    Page("value:dashboard"),
    Page("value:whatif", users=BOSS),
    Page("accounts:list"),
    Page("accounts:list", "page 2", query=lambda demo: "page=2"),
    Page(
        "accounts:list",
        "filtered and sorted",
        query=lambda demo: f"region={demo.region.pk}&flag=any&sort=-gross_profit",
    ),
    Page("accounts:list", "search", query=lambda demo: "q=有限&sort=name"),
    Page("accounts:export"),
    Page("accounts:detail", args=_account),
    Page("accounts:chart", args=_account),
    # the account page's sections' own GETs (kam.people.sections, kam.care.visit_sections)
    Page("accounts:contact_open", args=_contact, htmx=True),
    Page("accounts:visit_edit_form", args=lambda demo: [demo.account.pk, demo.visit.pk]),
    Page("accounts:orgchart_data", args=_account),
    # relationship cards (kam.people.views.cards): each look is logged, a write counted here
    Page("people:card", args=lambda demo: [demo.contact.pk]),
    Page("people:card_edit", args=lambda demo: [demo.contact.pk]),
    Page("people:card_erase", args=lambda demo: [demo.contact.pk]),
    # the network (kam.people.views.network, kam.care.views.network)
    Page("people:third_parties"),
    Page("people:third_party", args=lambda demo: [demo.third_party.pk]),
    Page("people:connections", "contact", args=lambda demo: ["contact", demo.contact.pk]),
    Page("people:connections", "third party", args=lambda demo: ["third", demo.third_party.pk]),
    Page("people:connections", "user", args=lambda demo: ["user", demo.users["kam"].pk]),
    Page("care:paths"),
    Page("care:paths", "to a decision maker", query=lambda demo: f"to={demo.contact.pk}"),
    Page("care:whos_who"),
    Page("care:account_network", args=_account),
    # visits' tasks (kam.care.views.visits)
    Page("care:tasks"),
    # coverage (kam.care.views.coverage): the upkeep settings
    Page("care:policy", users=BOSS),
    Page("sales:import", users=BOSS),
    Page("sales:import-job", users=BOSS, args=_job),
    Page("sales:import-status", users=BOSS, args=_job),
    Page("sales:import-problems", "csv", users=BOSS, args=lambda demo: [demo.job.pk, "csv"]),
    Page("sales:import-problems", "xlsx", users=BOSS, args=lambda demo: [demo.job.pk, "xlsx"]),
    Page("admin:index", users=BOSS),
    *(
        Page(f"admin:{model}_changelist", users=BOSS)
        for model in (
            "accounts_account",
            "accounts_accountteammember",
            "accounts_region",
            "accounts_stagecheck",
            "accounts_stagemilestone",
            "care_task",
            "care_visit",
            "core_fieldchange",
            "people_contact",
            "sales_accountmonth",
            "sales_costtoserve",
            "sales_importbatch",
            "sales_importjob",
            "sales_orderline",
            "users_user",
            "value_accountpotential",
            "value_accounttier",
            "value_tierconfig",
        )
    ),
]

NOT_PINNED = {
    "admin:": "Django's admin: the index and every kam model's list are pinned above; its "
    "forms (add, change, history, delete) and the libraries' pages are Django's own, and the "
    "permission matrix test covers who may open them",
    "set_language": "Django's language switch: kam's menu POSTs to it; a GET only redirects",
    "api:": "the REST API: every list is pinned by kam/api/tests/test_query_counts.py "
    "(keys beginning with 'api ')",
}
"""URL patterns that answer GET but have no baseline, by name or namespace ("admin:")."""

UPLOAD = "\n".join(
    [
        "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本",
        "C001,华东钢铁集团,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00",
        "C002,南方制药,SO-2,1,2024/4/1,密封件,5,20,abc,60.00",
    ]
)
"""An upload with one good row and one bad amount, so the job page has a preview and a
problem to report."""


def every_key() -> set[str]:
    return {page.key(user, phase) for page in PAGES for user in page.users for phase in PHASES}


def demo_at(scale: float) -> SimpleNamespace:
    """The demo company at `scale`, the users measured, a KAM's account and an upload."""
    summary = build_demo(scale=scale)
    assert summary.accounts >= 250 * scale
    boss = User.objects.get(username="boss")
    kam = (
        User.objects.filter(role=Role.KAM, owned_accounts__isnull=False)
        .order_by("username")
        .first()
    )
    account = kam.owned_accounts.order_by("pk").first()
    upload = SimpleUploadedFile("orders.csv", UPLOAD.encode(), content_type="text/csv")
    return SimpleNamespace(
        users={"boss": boss, "kam": kam, "anonymous": None},
        account=account,
        region=account.region,
        job=web_import.save_upload(upload, boss),
        **network_and_visits(account, boss, kam, scale),
    )


def network_and_visits(account, boss, kam, scale: float) -> dict:
    """Visits, tasks, a relationship card, third parties and connections around the KAM's
    account, through the services; their number grows with `scale`. More visits than the
    section shows at both scales (with the demo's own, the tenfold demo has more), so both
    take the same branch: the section counts them."""
    from kam.care import services as care
    from kam.care.visit_sections import VISITS_SHOWN
    from kam.people import cards
    from kam.people import services as people

    n = 2 + int(scale)  # 3 at scale 1, 12 at scale 10
    contact = people.create_contact(
        account, by=kam, name="矩阵决策人", title="总经理", roles=["decision_maker"]
    )
    cards.save_card(contact, by=kam, interests="钓鱼", notes="matrix")
    today = timezone.localdate()
    visits = [
        care.log_visit(
            account,
            by=kam,
            our_people=[kam],
            their_people=[contact],
            date=today - timedelta(days=7 * i + 1),
            next_step=f"回访 {i}",
            next_step_on=today + timedelta(days=i),
        )
        for i in range(VISITS_SHOWN + n)
    ]
    for i in range(n):
        care.create_task(boss, f"老板的事 {i}", by=boss, account=account, contact=contact)
    thirds = [
        people.create_third_party(
            by=kam, name=f"第三方{i}", kind="association", organisation="协会"
        )
        for i in range(n)
    ]
    for i, third in enumerate(thirds):
        people.connect(boss if i % 2 else kam, third, kind="friend", strength=4, by=kam)
        people.connect(third, contact, kind="association", strength=3, by=kam)
    return {"contact": contact, "visit": visits[0], "third_party": thirds[0]}


def empty_caches() -> None:
    """As after an import: no analysis in memory or on disk, no cached file inspection."""
    portfolio.clear()
    shutil.rmtree(snapshot.directory(), ignore_errors=True)
    cache.clear()
    ContentType.objects.clear_cache()


def measure(client, page: Page, url: str, key: str) -> int:
    """The queries of one request, checked against its baseline; a wrong status first,
    so that a page that broke does not read as a changed count."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers={"HX-Request": "true"} if page.htmx else None)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == page.status, (key, url, response.status_code)
    testing.check(key, captured.captured_queries)
    return len(captured)


def check_every_page(client, demo: SimpleNamespace) -> dict[str, int]:
    """Each page as each of its users: a cold visit after emptying the caches, then a warm
    one. Caches are emptied per user too: a KAM's narrowed analysis is his own."""
    counts = {}
    for page in PAGES:
        url = page.url(demo)
        for user in page.users:
            client.logout()
            if demo.users[user] is not None:
                client.force_login(demo.users[user])
            empty_caches()
            for phase in PHASES:
                key = page.key(user, phase)
                counts[key] = measure(client, page, url, key)
    return counts


def test_every_page_costs_its_pinned_queries_with_the_demo(client):
    check_every_page(client, demo_at(1.0))


@pytest.mark.slow
def test_every_page_costs_the_same_queries_with_ten_times_the_demo(client):
    """The same keys as at scale 1, so the same exact counts with ten times the accounts.
    Minutes on SQLite, mostly building the demo; runs in CI (make test)."""
    counts = check_every_page(client, demo_at(10.0))
    baselines = testing.load()
    assert counts == {key: testing.expected(baselines[key], testing.vendor()) for key in counts}


def routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(name or route, address with sample arguments) of every URL pattern, minus the
    namespaces in NOT_PINNED."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            if f"{inner}:" not in NOT_PINNED:
                yield from routes(pattern.url_patterns, route, inner)
            continue
        name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
        address = re.sub(r"<[^>]+>", "x", re.sub(r"<int:\w+>", "1", route))
        yield name or route, "/" + address


def test_every_page_that_answers_get_has_a_baseline(client, boss):
    """A new URL pattern fails here until it is pinned (or listed in NOT_PINNED with a
    reason). Whether a pattern answers GET is asked of the view itself, as a superuser: a
    POST-only view answers 405 before it looks up its object."""
    client.force_login(boss)
    found = dict(routes())
    answers_get = {name for name, url in found.items() if client.get(url).status_code != 405}
    pinned = {page.name for page in PAGES}
    assert answers_get - pinned - NOT_PINNED.keys() == set()
    # pages of a namespace that is only partly pinned (the admin's) are not walked above
    walked = {name for name in pinned if not name.startswith(tuple(NOT_PINNED))}
    assert walked - found.keys() == set(), "a page in PAGES that no URL pattern has"
    assert walked - answers_get == set(), "a page in PAGES that answers GET with 405"


def test_no_baseline_is_left_for_a_page_that_is_gone():
    """Keys of pages no longer measured are removed when refreshing, and fail otherwise."""
    assert testing.stale_keys("page ", every_key()) == []


def test_the_file_is_sorted_and_formatted_as_the_refresh_writes_it(tmp_path):
    """A hand edit out of order would make the next refresh's diff noisy."""
    copy = tmp_path / "counts.json"
    testing.save(testing.load(), copy)
    assert copy.read_text(encoding="utf-8") == testing.COUNTS_FILE.read_text(encoding="utf-8")


def queries(*sql: str) -> list[dict]:
    return [{"sql": text, "time": "0.000"} for text in sql]


def test_a_changed_count_names_both_counts_the_queries_and_the_refresh(tmp_path, monkeypatch):
    monkeypatch.delenv(testing.UPDATE_SWITCH, raising=False)
    path = tmp_path / "counts.json"
    testing.save({"page x | boss | warm": 1}, path)
    with pytest.raises(AssertionError) as failure:
        testing.check("page x | boss | warm", queries("SELECT 1", "SELECT 2"), path=path)
    message = str(failure.value)
    assert "expected 1 queries" in message and "got 2" in message
    assert "SELECT 2" in message
    assert "UPDATE_QUERY_COUNTS=1 make test" in message


def test_a_page_without_a_baseline_fails(tmp_path, monkeypatch):
    monkeypatch.delenv(testing.UPDATE_SWITCH, raising=False)
    path = tmp_path / "counts.json"
    with pytest.raises(AssertionError, match="new page without a baseline"):
        testing.check("page y | boss | warm", queries("SELECT 1"), path=path)


def test_refreshing_writes_the_count_instead_of_failing(tmp_path, monkeypatch):
    """Only this database's count changes: the other's stays until its own run."""
    path = tmp_path / "counts.json"
    testing.save({"page z | boss | warm": 5, "page a | boss | warm": 1}, path)
    monkeypatch.setenv(testing.UPDATE_SWITCH, "1")
    testing.check("page z | boss | warm", queries("SELECT 1", "SELECT 2"), path=path)
    testing.check("page new | boss | warm", queries(), path=path)
    assert testing.load(path) == {
        "page a | boss | warm": 1,
        "page new | boss | warm": 0,
        "page z | boss | warm": testing.merged(5, testing.vendor(), 2),
    }
    text = path.read_text(encoding="utf-8")
    assert text.index("page a") < text.index("page new") < text.index("page z")


def test_the_sqlite_and_postgresql_legs_each_write_their_own_count():
    """`make test` refreshes on SQLite, then on PostgreSQL: one number while they agree,
    a count per database once they differ, one number again when they agree again."""
    after_sqlite = testing.merged(7, "sqlite", 8)
    assert after_sqlite == {"postgresql": 7, "sqlite": 8}
    assert testing.merged(after_sqlite, "postgresql", 8) == 8
    assert testing.merged(8, "postgresql", 8) == 8
    assert testing.merged(None, "sqlite", 3) == 3
    assert testing.expected({"postgresql": 4, "sqlite": 3}, "sqlite") == 3
    assert testing.expected(3, "postgresql") == 3


def test_a_count_that_changes_within_one_run_fails_even_when_refreshing(tmp_path, monkeypatch):
    """Two measurements of one key (the demo at two scales) must agree: otherwise the
    page runs a query per row and no baseline would be right."""
    path = tmp_path / "counts.json"
    monkeypatch.setenv(testing.UPDATE_SWITCH, "1")
    testing.check("page scaled | boss | warm", queries("SELECT 1"), path=path)
    with pytest.raises(AssertionError, match="depends on the data"):
        testing.check("page scaled | boss | warm", queries("SELECT 1", "SELECT 2"), path=path)
