"""Order-lines API benchmark: server time of /api/v1/order-lines/ over a large table.

    .venv/bin/python -m bench.lines_api_bench                          # 1 M lines, SQLite and PostgreSQL
    .venv/bin/python -m bench.lines_api_bench --lines 10000000 --backends postgresql
    .venv/bin/python -m bench.lines_api_bench --lines 100000 --requests 20 --json /tmp/lines.json

Loads the import benchmark's synthetic export (`_data.py`, cached in --workdir) with the real
importer into a database of its own (SQLite `WORKDIR/lines_api_<export>.sqlite3`, PostgreSQL
`kam_lines_api_bench` on 127.0.0.1), reused while it holds exactly that file. Then, in a
subprocess with DEBUG=false and DATABASE_URL set, it asks the API with a token: as an
executive (every account) and as a KAM on the team of every 100th account, the first page,
each filter, a sort by date, a deep page and one line. Server time is Django's handler from
the request object to the response (token, queries, JSON); per request: median of
--requests after one warm-up, and the queries of one more. Also timed: the page's total
(`count`) alone. Only 127.0.0.1 is contacted. Not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import _data  # noqa: E402
from bench._common import (  # noqa: E402
    BACKENDS,
    RESULT_MARK,
    count_queries,
    django_setup,
    drop_sqlite,
    pg_admin,
    pg_url,
    run_leg,
)

PG_DB = "kam_lines_api_bench"
SOURCE = "bench"
TEAM_EVERY = 100  # the KAM is on the team of every 100th account


# --------------------------------------------------------------------------- worker side


class TimedClient:
    """Django's test Client with a token, its handler's get_response timed."""

    def __init__(self, token: str):
        from django.test import Client

        self.client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.seconds: list[float] = []
        inner = self.client.handler.get_response

        def get_response(request):
            started = time.perf_counter()
            response = inner(request)
            self.seconds.append(time.perf_counter() - started)
            return response

        self.client.handler.get_response = get_response

    def get(self, url: str) -> tuple[float, dict]:
        response = self.client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]}")
        return self.seconds[-1], response.json()

    def queries(self, url: str) -> int:
        return count_queries(lambda: self.get(url))


def _load(csv: Path, lines: int) -> float | None:
    """Import the export unless the database holds it already; seconds, or None if reused."""
    from django.core.management import call_command
    from django.db import connection

    from kam.sales.models import OrderLine
    from kam.sales.services import import_orders

    call_command("migrate", verbosity=0, interactive=False)
    if OrderLine.objects.filter(source=SOURCE).count() == lines:
        return None
    started = time.perf_counter()
    import_orders(csv, source=SOURCE)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return seconds


def _tokens() -> dict[str, str]:
    """An executive, and a KAM on the team of every TEAM_EVERY-th account (made once)."""
    from django.contrib.auth import get_user_model

    from kam.accounts.models import Account, AccountTeamMember
    from kam.accounts.services import add_team_member
    from kam.users.choices import Role
    from kam.users.services import create_api_token

    model = get_user_model()
    boss, _new = model.objects.get_or_create(
        username="bench-api-boss", defaults={"role": Role.EXECUTIVE}
    )
    kam, _new = model.objects.get_or_create(username="bench-api-kam", defaults={"role": Role.KAM})
    if not AccountTeamMember.objects.filter(user=kam).exists():
        for account in Account.objects.order_by("pk")[::TEAM_EVERY]:
            add_team_member(account, kam, "kam")
    return {
        name: create_api_token(user, "bench")[1] for name, user in (("boss", boss), ("kam", kam))
    }


def _cases() -> dict[str, tuple[str, str]]:
    from django.db.models import Count
    from django.utils import timezone

    from kam.sales.models import OrderLine

    biggest = (
        OrderLine.objects.values("account_id").annotate(n=Count("id")).order_by("-n").first()
    )["account_id"]
    sample = OrderLine.objects.order_by("pk")[1000]
    last = OrderLine.objects.order_by("-pk").values_list("pk", flat=True).first()
    total = OrderLine.objects.count()
    last_but_50 = OrderLine.objects.order_by("-pk").values_list("pk", flat=True)[50]
    base = "/api/v1/order-lines/"
    month = "date_from=2024-06-01&date_to=2024-06-30"
    return {
        "first page": ("boss", base),
        "first page (KAM)": ("kam", base),
        "one account": ("boss", f"{base}?account={biggest}"),
        "one month": ("boss", f"{base}?{month}"),
        "one account, one month": ("boss", f"{base}?account={biggest}&{month}"),
        "one order": ("boss", f"{base}?source={SOURCE}&order_no={sample.order_no}"),
        "one product": ("boss", f"{base}?product={sample.product_code}&limit=50"),
        "changed since now": ("boss", f"{base}?updated_since={quote(timezone.now().isoformat())}"),
        "changed since 2000": ("boss", f"{base}?updated_since=2000-01-01T00:00:00Z"),
        "newest orders first": ("boss", f"{base}?ordering=-order_date"),
        "last page (offset)": ("boss", f"{base}?offset={max(total - 50, 0)}"),
        "last page (after=id)": ("boss", f"{base}?after={last_but_50}"),
        "one line": ("boss", f"{base}{last}/"),
    }


def _count_alone(requests: int) -> float:
    """The total of the whole visible table, as the page's `count` asks it."""
    from django.contrib.auth import get_user_model

    from kam.sales.api import visible_lines

    boss = get_user_model().objects.get(username="bench-api-boss")
    runs = []
    for _ in range(max(3, requests)):
        started = time.perf_counter()
        visible_lines(boss).count()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def worker(csv: Path, lines: int, requests: int) -> dict:
    django_setup()
    from django.db import connection

    out: dict = {"vendor": connection.vendor, "load_seconds": _load(csv, lines)}
    clients = {name: TimedClient(token) for name, token in _tokens().items()}
    out["requests"] = {}
    for name, (user, url) in _cases().items():
        client = clients[user]
        _seconds, body = client.get(url)  # warm-up
        runs = [client.get(url)[0] for _ in range(requests)]
        out["requests"][name] = {
            "user": user,
            "url": url,
            "median": statistics.median(runs),
            "max": max(runs),
            "queries": client.queries(url),
            "count": body.get("count"),
        }
    out["count_alone"] = _count_alone(requests)
    return out


# --------------------------------------------------------------------------- parent side


def _url(backend: str, workdir: Path, csv: Path) -> str:
    if backend == "postgresql":
        return pg_url(PG_DB)
    return f"sqlite:///{workdir / f'lines_api_{csv.stem}.sqlite3'}"


def _prepare(backend: str, workdir: Path, csv: Path, fresh: bool) -> None:
    if backend == "postgresql":
        exists = _pg_exists()
        if fresh or not exists:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}")
    elif fresh:
        drop_sqlite(workdir / f"lines_api_{csv.stem}.sqlite3")


def _pg_exists() -> bool:
    import psycopg

    from bench._common import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL, connect_timeout=10) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        )


def _run(backend: str, workdir: Path, csv: Path, args) -> dict:
    import os

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="kam.settings",
        DATABASE_URL=_url(backend, workdir, csv),
        DEBUG="false",
        SECRET_KEY="kam-bench-only-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1",
        KAM_VAR_DIR=str(workdir / "var"),
    )
    cmd = ["bench.lines_api_bench", "--worker", "--csv", str(csv)]
    cmd += ["--lines", str(args.lines), "--requests", str(args.requests)]
    return run_leg(cmd, env, backend)


def print_report(results: list[dict], lines: int) -> None:
    print(f"\n  {lines:,} order lines; server time, median (max) of the timed requests\n")
    names = list(results[0]["requests"])
    backends = [r["backend"] for r in results]
    head = f"  {'request':<26}" + "".join(f"{b:>28}" for b in backends)
    print(head)
    for name in names:
        cells = []
        for result in results:
            row = result["requests"][name]
            cells.append(
                f"{row['median'] * 1000:>9,.1f} ms ({row['max'] * 1000:,.0f}) "
                f"{row['queries']} q n={row['count'] if row['count'] is not None else '-'}"
            )
        print(f"  {name:<26}" + "".join(f"{c:>28}" for c in cells))
    for result in results:
        load = result["load_seconds"]
        print(
            f"  {result['backend']}: count() of every visible line alone "
            f"{result['count_alone'] * 1000:,.0f} ms"
            + (f"; loaded in {load:,.1f} s" if load else "; database reused")
        )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.lines_api_bench", description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--customers", type=int, default=None, help="default: lines / 100")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--workdir", type=Path, default=Path("/tmp/kam-bench"))
    p.add_argument("--requests", type=int, default=7, help="timed requests each (default 7)")
    p.add_argument("--reload", action="store_true", help="load the database afresh")
    p.add_argument("--json", type=Path)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        out = worker(args.csv, args.lines, args.requests)
        print(RESULT_MARK + json.dumps(out, default=str), flush=True)
        return
    workdir = args.workdir.resolve()
    csv, generated = _data.ensure_export(workdir, args.lines, args.customers)
    print(f"  export: {csv}" + (" (generated)" if generated else ""), flush=True)
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        _prepare(backend, workdir, csv, args.reload)
        print(f"  {backend}: loading if needed, then {args.requests} requests each …", flush=True)
        result = _run(backend, workdir, csv, args)
        result["backend"] = backend
        results.append(result)
    print_report(results, args.lines)
    if args.json:
        args.json.write_text(json.dumps({"lines": args.lines, "results": results}, indent=2))


if __name__ == "__main__":
    main()
