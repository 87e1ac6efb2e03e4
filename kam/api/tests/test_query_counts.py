"""Every API list's exact query count (kam/query_counts.json, keys "api …"), the same with
the cast and with many more rows: a list never costs a query per row.

Refresh after a deliberate change with ``UPDATE_QUERY_COUNTS=1`` on SQLite and on
PostgreSQL (see kam.core.testing). A new list operation in the description fails
`test_every_api_list_is_pinned` until it is added to LISTS."""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.accounts import services as account_services
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account
from kam.core import testing
from kam.people.models import Contact
from kam.sales.services import import_orders

from .conftest import TokenClient

pytestmark = pytest.mark.django_db

USERS = ("boss", "owner_kam")  # every account, and the rows of a KAM's own
IMPORTERS = ("boss", "finance_user")  # every import, and one's own and the refused ones


@dataclass(frozen=True)
class List:
    path: str  # as the description names it
    variant: str = ""
    query: str | Callable = ""  # or cast → the query string
    args: Callable = lambda cast: {}
    prepare: Callable | None = None  # (client, url) → None: run before the measured request
    users: tuple[str, ...] = USERS  # who may use the list

    def url(self, cast) -> str:
        url = self.path.format(**self.args(cast))
        query = self.query(cast) if callable(self.query) else self.query
        return f"{url}?{query}" if query else url

    def key(self, user: str) -> str:
        name = f"{self.path} ({self.variant})" if self.variant else self.path
        return f"api GET {name} | {user}"


def cold(client, url) -> None:
    """As after an import: no analysis in memory or on disk (kam.value.portfolio)."""
    from kam.value import portfolio, snapshot

    portfolio.clear()
    shutil.rmtree(snapshot.directory(), ignore_errors=True)


def warm(client, url) -> None:
    """The same request once before: what every later request costs."""
    assert client.get(url).status_code == 200


def _east(cast) -> dict:
    return {"account_id": cast.east_account.pk}


# value (kam/value/api.py): figures from the cached analysis, measured cold and warm
VALUE_LISTS = [
    List("/api/v1/metrics/", "cold", "period=2025", prepare=cold),
    List("/api/v1/metrics/", "warm", "period=2025", prepare=warm),
    List(
        "/api/v1/metrics/",
        "default period, filtered, warm",
        "tier=ordinary&q=公司&ordering=-growth&updated_since=2020-01-01T00:00:00&limit=2",
        prepare=warm,
    ),
    List("/api/v1/accounts/{account_id}/tier/history/", args=_east),
]

LISTS = [
    List("/api/v1/accounts/"),
    List("/api/v1/accounts/", "filtered", "q=公司&status=active&ordering=-updated_at&limit=2"),
    List(
        "/api/v1/accounts/{account_id}/team/",
        args=lambda cast: {"account_id": cast.east_account.pk},
    ),
    List(
        "/api/v1/accounts/{account_id}/stages/",
        args=lambda cast: {"account_id": cast.east_account.pk},
    ),
    List("/api/v1/contacts/"),
    List("/api/v1/contacts/{contact_id}/history/", args=lambda cast: {"contact_id": cast.dm.pk}),
    List("/api/v1/deletions/"),
    # the network and visits (kam.people.api_network, kam.care.api_visits)
    List("/api/v1/third-parties/"),
    List("/api/v1/connections/"),
    List("/api/v1/connections/", "of a contact", lambda cast: f"contact={cast.dm.pk}"),
    List("/api/v1/visits/"),
    List("/api/v1/visits/", "of an account", lambda cast: f"account={cast.east_account.pk}"),
    List("/api/v1/tasks/"),
    List("/api/v1/tasks/", "all", "all=true", users=("boss",)),
    *VALUE_LISTS,
    # sales: order lines, and imports (for those who may import)
    List("/api/v1/order-lines/"),
    List(
        "/api/v1/order-lines/",
        "filtered",
        "date_from=2025-01-01&date_to=2025-12-31&source=erp&ordering=-order_date&limit=2",
    ),
    List("/api/v1/imports/", users=IMPORTERS),
    List(
        "/api/v1/imports/{job_id}/report/",
        args=lambda cast: {"job_id": cast.refused_job.pk},
        users=IMPORTERS,
    ),
]


def network_and_visits(cast, n: int) -> None:
    """`n` more visits, tasks (the boss's and the KAM's), changes of the decision maker,
    third parties and connections, through the services; the first call makes the
    decision maker (`cast.dm`), so every list has rows from the first measurement."""
    from kam.care import services as care
    from kam.people import services as people

    if not hasattr(cast, "dm"):
        cast.dm = people.create_contact(cast.east_account, by=cast.owner_kam, name="决策人")
    today = timezone.localdate()
    for i in range(n):
        care.log_visit(
            cast.east_account,
            by=cast.owner_kam,
            our_people=[cast.owner_kam, cast.team_specialist],
            their_people=[cast.dm],
            date=today - timedelta(days=i + 1),
            next_step="回访",
            next_step_on=today + timedelta(days=i),
        )
        care.create_task(cast.boss, f"任务{i}", by=cast.boss, account=cast.east_account)
        people.update_contact(cast.dm, by=cast.owner_kam, title=f"职务{i}")
        third = people.create_third_party(by=cast.owner_kam, name=f"第三方{i}", kind="friend")
        people.connect(cast.owner_kam, third, kind="friend", strength=3, by=cast.owner_kam)
        people.connect(third, cast.dm, kind="association", strength=2, by=cast.owner_kam)


def more_rows(cast, n: int = 12) -> None:
    """Accounts, team members and contacts enough to show a query per row."""
    network_and_visits(cast, n)
    for i in range(n):
        account = account_services.create_account(
            name=f"测试公司{i}", code=f"T-{i:03}", region=cast.east, owner=cast.owner_kam
        )
        account_services.add_team_member(account, cast.team_specialist, TeamRole.SERVICE_LEAD)
        Contact.objects.create(account=account, name=f"联系人{i}")
        if i % 3 == 0:
            account_services.delete_account(account, by=cast.boss)
    for user in (cast.director, cast.east_manager, cast.finance_user):  # the team list
        account_services.add_to_team(cast.east_account, user, TeamRole.OTHER, by=cast.boss)
    for stage in ["trial", "qualified"] * 3:  # the stage moves' list
        account_services.change_sales_stage(cast.east_account, stage, by=cast.boss, reason="t")
    for i in range(n):  # order lines, on the cast's and the new accounts, and imports
        rows = [f"T-{i:03},测试公司{i},SO-{i},{k},2025-0{k}-01,P-{k},1,5,5.00," for k in (1, 2)]
        import_file(cast.finance_user if i % 2 else cast.boss, [*rows, CAST_ROW])
    import_file(cast.finance_user, [BAD_ROW])


HEADER = "客户编码,客户名称,单据编号,行号,日期,存货编码,存货名称,数量,单价,金额,成本"
CAST_ROW = "C-E001,上海申华机械有限公司,SO-E,1,2025-03-01,P-1,轴承,1,10,10.00,7.00"
BAD_ROW = "C-E001,上海申华机械有限公司,SO-X,1,someday,P-1,轴承,1,10,abc,7.00"


def import_file(user, rows: list[str]):
    """An import as the page runs it (inline): done, or refused with its problems."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kam.sales import web_import

    content = "\n".join([HEADER, *rows]).encode()
    job = web_import.save_upload(SimpleUploadedFile("orders.csv", content), user)
    web_import.update_options(job, mapping={}, source="erp")
    return web_import.start_import(job, background=False)


def with_sales(folder, name: str) -> None:
    """A year of monthly orders for every living account, imported the real way, so the
    value operations read an analysis that is cached (the stamps exist) and not empty."""
    lines = ["客户编码,客户名称,单据编号,日期,金额,成本"]
    for code, title in Account.objects.alive().values_list("code", "name"):
        for month in range(1, 13):
            amount = 1000 * month + len(lines)
            lines.append(
                f"{code},{title},{name}-{code}-{month},2025-{month:02}-15,{amount},{amount // 2}"
            )
    (folder / f"{name}.csv").write_text("\n".join(lines), encoding="utf-8")
    import_orders(folder / f"{name}.csv")


def measure_all(cast, clients) -> None:
    for item in LISTS:
        for user in item.users:
            if item.prepare is not None:
                item.prepare(clients[user], item.url(cast))
            with CaptureQueriesContext(connection) as captured:
                response = clients[user].get(item.url(cast))
            assert response.status_code == 200, (item.key(user), response.content[:300])
            testing.check(item.key(user), captured.captured_queries)


def test_every_api_list_costs_its_pinned_queries_whatever_the_rows(cast, token_of, tmp_path):
    cast.refused_job = import_file(cast.boss, [BAD_ROW])
    clients = {user: TokenClient(token_of(user)) for user in {*USERS, *IMPORTERS}}
    for client in clients.values():
        client.get("/api/v1/accounts/")  # the token's first use is noted: not a list's cost
    with_sales(tmp_path, "first")
    network_and_visits(cast, 1)
    measure_all(cast, clients)
    more_rows(cast)
    with_sales(tmp_path, "second")
    measure_all(cast, clients)  # the same keys: a different count fails (kam.core.testing)


def test_every_api_list_is_pinned():
    from kam.api.main import api

    paths = api.get_openapi_schema()["paths"]
    lists = {
        path
        for path, item in paths.items()
        if "get" in item and "limit" in {p["name"] for p in item["get"].get("parameters", [])}
    }
    assert lists == {item.path for item in LISTS}


def test_no_baseline_is_left_for_a_list_that_is_gone():
    wanted = {item.key(user) for item in LISTS for user in item.users}
    wanted |= {item.key(user) for item, users in ONES for user in users}
    assert testing.stale_keys("api ", wanted) == []


# ---------------------------------------------------------------- single objects (value)


@dataclass(frozen=True)
class One(List):
    """An operation on one object, pinned like a list (with its method and body)."""

    method: str = "get"
    body: dict | None = None

    def key(self, user: str) -> str:
        return super().key(user).replace("api GET", f"api {self.method.upper()}", 1)


TIER = "/api/v1/accounts/{account_id}/tier/"


def set_diamond(client, url) -> None:
    """The tier set once before, to another tier: the measured change is a change."""
    body = {"override": "diamond", "reason": "before"}
    assert client.put(url, body, content_type="application/json").status_code == 200


ONES = [  # (operation, users)
    (One("/api/v1/portfolio/", "cold", "period=2025", prepare=cold), USERS),
    (One("/api/v1/portfolio/", "warm", "period=2025", prepare=warm), USERS),
    (One("/api/v1/portfolio/", "default period, warm", prepare=warm), USERS),
    (One(TIER, "warm", "period=2025", _east, warm), USERS),
    (One("/api/v1/accounts/{account_id}/coverage/", args=_east), USERS),
    (
        One(
            TIER,
            "set by hand",
            "period=2025",
            _east,
            set_diamond,
            method="put",
            body={"override": "gold", "reason": "measured"},
        ),
        ("boss",),
    ),
]


def measure_ones(cast, clients) -> None:
    for item, users in ONES:
        for user in users:
            url = item.url(cast)
            if item.prepare is not None:
                item.prepare(clients[user], url)
            send = getattr(clients[user], item.method)
            with CaptureQueriesContext(connection) as captured:
                if item.body is None:
                    response = send(url)
                else:
                    response = send(url, item.body, content_type="application/json")
            assert response.status_code == 200, (item.key(user), response.content[:300])
            testing.check(item.key(user), captured.captured_queries)


def test_every_value_operation_costs_its_pinned_queries_whatever_the_rows(cast, token_of, tmp_path):
    clients = {user: TokenClient(token_of(user)) for user in USERS}
    for client in clients.values():
        client.get("/api/v1/accounts/")  # the token's first use is noted: not a cost
    with_sales(tmp_path, "first")
    measure_ones(cast, clients)
    more_rows(cast)
    with_sales(tmp_path, "second")
    measure_ones(cast, clients)
