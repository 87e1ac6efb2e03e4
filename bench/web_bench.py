"""Web benchmark: server time of the dashboard and the accounts list at 100,000 accounts.

    .venv/bin/python -m bench.web_bench                                       # 10 M lines, 100 k customers
    .venv/bin/python -m bench.web_bench --lines 1000000 --customers 10000     # a smaller database
    .venv/bin/python -m bench.web_bench --backends sqlite --requests 100 --json /tmp/web.json

Reuses the analysis benchmark's databases (bench/analyze_bench.py: SQLite
`WORKDIR/analyze_<export>.sqlite3`, PostgreSQL `kam_analyze_bench` on 127.0.0.1). Without
them it stops and says so; `--prepare` loads them through analyze_bench's own helpers
(on PostgreSQL that replaces whatever `kam_analyze_bench` holds).

Each backend runs in a subprocess with DATABASE_URL set and DEBUG=false (production
settings). A portfolio user (`bench-web-boss`, executive) is created if missing and
logged in with Django's test Client; every page is asked for the last full year in the
data. Server time is the time inside the request: Django's handler from the request
object to the finished response, middleware, session, queries and rendering included,
the test client's own work not. Per page: the cold request (the analysis cache emptied
first, so it computes the analysis that the page needs), then --requests timed requests
(median, p95), and the queries of one more request.
Goal: p95 ≤ 150 ms. Only 127.0.0.1 is contacted. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a file rather than with -m
    sys.path.insert(0, str(REPO))

from bench import _data  # noqa: E402
from bench import analyze_bench as analysis_bench  # noqa: E402
from bench._common import (  # noqa: E402
    BACKENDS,
    RESULT_MARK,
    count_queries,
    django_setup,
    run_leg,
    versions,
)

GOAL_P95 = 0.150
BENCH_USER = "bench-web-boss"
KAM_USER = "bench-kam-001"  # owns a share of the accounts when analyze_bench added its extras


# --------------------------------------------------------------------------- worker side


def _p95(values: list[float]) -> float:
    """Nearest rank: the smallest time that 95 % of the requests did not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class TimedClient:
    """Django's test Client with the handler's get_response timed: from the request
    object to the response, as a WSGI server would see it, without the client's work."""

    def __init__(self, user):
        from django.test import Client

        self.client = Client(SERVER_NAME="127.0.0.1")
        self.client.force_login(user)
        self.seconds: list[float] = []
        inner = self.client.handler.get_response

        def get_response(request):
            started = time.perf_counter()
            response = inner(request)
            self.seconds.append(time.perf_counter() - started)
            return response

        self.client.handler.get_response = get_response

    def get(self, url: str) -> float:
        response = self.client.get(url, secure=True)  # production settings redirect http
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return self.seconds[-1]

    def queries(self, url: str) -> int:
        return count_queries(lambda: self.get(url))


def _pending() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _ensure_stamps() -> list[str]:
    """Data loaded before stamps existed has none, and then nothing is cached: give each
    missing kind one, as the next write would."""
    from kam.core import versions as data_versions

    missing = [name for name, token in data_versions.stamps().items() if not token]
    if missing:
        data_versions.bump(*missing)
    return missing


def _users():
    from django.contrib.auth import get_user_model

    from kam.users.choices import Role

    model = get_user_model()
    boss = model.objects.filter(username=BENCH_USER).first()
    if boss is None:
        boss = model.objects.create_user(BENCH_USER, password=None, role=Role.EXECUTIVE)
    kam = model.objects.filter(username=KAM_USER, account_memberships__isnull=False).first()
    return boss, kam


def _search_term() -> str:
    """Four characters from the middle of an account name: a search that finds a few."""
    from kam.accounts.models import Account

    names = Account.objects.alive().order_by("pk").values_list("name", flat=True)
    count = names.count()
    name = names[count // 2] if count else "有限"
    start = max(0, len(name) // 2 - 2)
    return name[start : start + 4]


def _pages(year: int, kam) -> dict[str, tuple[str, bool]]:
    from urllib.parse import urlencode

    def customers(**params) -> str:
        return "/customers/?" + urlencode({"year": year, **params})

    pages = {
        "dashboard": (f"/dashboard/?year={year}", False),
        "list, page 1": (customers(), False),
        "list, filtered + sorted": (
            customers(tier="gold", sort="-net_contribution", page=2),
            False,
        ),
        "list, search": (customers(q=_search_term()), False),
    }
    if kam is not None:
        pages["list, page 1 (a KAM)"] = (customers(), True)
    return pages


def worker_time(requests: int, migrate: bool) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from kam.accounts.models import Account
    from kam.value import portfolio

    if migrate:  # later migrations applied to a loaded database, as analyze_bench does
        call_command("migrate", verbosity=0, interactive=False)
    # DEBUG=false serves hashed static files from the manifest, as `make setup` builds it
    call_command("collectstatic", verbosity=0, interactive=False)
    out: dict = {"vendor": connection.vendor, "pending_migrations": _pending()}
    out["stamps_added"] = _ensure_stamps()
    out["accounts"] = Account.objects.alive().count()
    year = analysis_bench._last_full_year()
    out["year"] = year
    boss, kam = _users()
    clients = {False: TimedClient(boss), True: TimedClient(kam) if kam else None}
    out["pages"] = {}
    for name, (url, as_kam) in _pages(year, kam).items():
        client = clients[as_kam]
        portfolio.clear()
        cold = client.get(url)
        runs = [client.get(url) for _ in range(requests)]
        out["pages"][name] = {
            "url": url,
            "cold": cold,
            "median": statistics.median(runs),
            "p95": _p95(runs),
            "runs": runs,
            "queries": client.queries(url),
        }
    return out


# --------------------------------------------------------------------------- parent side


def _env(backend: str, workdir: Path, csv: Path) -> dict:
    env = analysis_bench._env(backend, workdir, csv)
    env.pop("CONN_MAX_AGE", None)  # as served: kam's default keeps connections
    return env


def _run(backend: str, workdir: Path, csv: Path, args) -> dict:
    cmd = ["bench.web_bench", "--worker", "--requests", str(args.requests)]
    if args.no_migrate:
        cmd.append("--no-migrate")
    return run_leg(cmd, _env(backend, workdir, csv), backend)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def print_report(results: list[dict]) -> None:
    heads = ("page", "backend", "cold", "median", "p95", "queries", "goal ≤150 ms p95")
    rows = []
    for result in results:
        for name, page in result["pages"].items():
            good = page["p95"] <= GOAL_P95
            rows.append(
                (
                    name,
                    result["backend"],
                    _ms(page["cold"]),
                    _ms(page["median"]),
                    _ms(page["p95"]),
                    str(page["queries"]),
                    "✓" if good else "✗",
                )
            )
    print()
    analysis_bench._table(heads, rows)
    for result in results:
        print(
            f"  {result['backend']}: {result['accounts']:,} accounts, year {result['year']}"
            + (f"; stamps added: {result['stamps_added']}" if result["stamps_added"] else "")
            + (
                f"; {result['pending_migrations']} migrations not applied"
                if result["pending_migrations"]
                else ""
            )
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench.web_bench",
        description="Server time of kam's dashboard and accounts list (SQLite, PostgreSQL).",
    )
    p.add_argument("--lines", type=int, default=10_000_000, help="order lines (default 10 M)")
    p.add_argument("--customers", type=int, default=100_000, help="customers (default 100,000)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql"
    )
    p.add_argument("--workdir", type=Path, default=Path("/tmp/kam-bench"))
    p.add_argument("--requests", type=int, default=50, help="timed requests per page")
    p.add_argument(
        "--prepare",
        action="store_true",
        help="load missing bench databases with analyze_bench's helpers",
    )
    p.add_argument(
        "--no-migrate",
        action="store_true",
        help="leave the bench databases' migrations as they are (pending ones are reported)",
    )
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            p.error(f"unknown backend {b!r}; choose from {', '.join(BACKENDS)}")
    args.backends = backends
    args.requests = max(2, args.requests)
    # what analyze_bench.prepare_backend reads
    args.reload, args.no_extras = False, False
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        out = worker_time(args.requests, migrate=not args.no_migrate)
        print(RESULT_MARK + json.dumps(out, default=str), flush=True)
        return
    workdir = args.workdir.resolve()
    csv = _data.export_path(workdir, args.lines, args.customers, args.seed)
    results = []
    for backend in args.backends:
        if args.prepare:
            csv, _generated = _data.ensure_export(workdir, args.lines, args.customers, args.seed)
            analysis_bench.prepare_backend(backend, csv, workdir, args.lines, args)
        elif not analysis_bench._exists(backend, workdir, csv):
            raise SystemExit(
                f"{backend}: no bench database for {csv.name}; run bench.analyze_bench with "
                "the same --lines/--customers/--workdir first, or pass --prepare"
            )
        print(f"  {backend}: {args.requests} requests a page …", flush=True)
        result = _run(backend, workdir, csv, args)
        result["backend"] = backend
        results.append(result)
    print_report(results)
    if args.json:
        doc = {
            "benchmark": "web",
            "goal_p95_seconds": GOAL_P95,
            "lines": args.lines,
            "customers": args.customers,
            "requests": args.requests,
            "versions": versions(),
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "results": results,
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    main()
