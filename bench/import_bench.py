"""Import benchmark: kam's ERP importer against the bulk-load floor of each database.

    .venv/bin/python -m bench.import_bench                      # 1,000,000 lines, both backends
    .venv/bin/python -m bench.import_bench --lines 10000000 --backends postgresql --json out.json

Generates (or reuses from --workdir) a synthetic ERP export of N lines, then for every
backend runs two legs, each in a freshly created database with kam's migrations applied and
the file's customers already present as accounts (created untimed, so both legs do the same
work):

floor
    the rows parsed by Polars and turned into Python tuples outside the timer, then, timed,
    written to the real `sales_orderline` table (its unique natural key and the
    account/month index in place) in one transaction: SQLite `executemany`, PostgreSQL
    `COPY … FROM STDIN` through psycopg's `cursor.copy()`. Derived columns (month,
    days_to_pay, source, batch, timestamps) are filled as the importer fills them.
import
    `kam.sales.services.import_orders(path, source="bench")` timed end to end, reading the
    file included; then the same file again (an idempotent re-import: nothing added).

Each leg is a subprocess with its own DATABASE_URL, so Django's settings (and for SQLite the
production PRAGMAs: WAL, synchronous=NORMAL) apply exactly as in production, with DEBUG off.
The goal from the issue is import ≤ 1.5 × floor. A checksum of the loaded lines (count and
sums) is compared between the legs, so both are known to have loaded the same data.

Only 127.0.0.1 is contacted (PostgreSQL as user postgres, trust auth). This is not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a file rather than with -m
    sys.path.insert(0, str(REPO))

from bench import _data  # noqa: E402
from bench._common import (  # noqa: E402
    BACKENDS,
    RESULT_MARK,
    django_setup,
    drop_sqlite,
    fmt,
    pg_admin,
    pg_url,
    run_leg,
    versions,
)

GOAL = 1.5
SOURCE = "bench"
# Another name lets two trees bench at once on one server.
PG_DB = os.environ.get("KAM_BENCH_PG_DB", "kam_bench")
PG_URL = pg_url(PG_DB)

MONEY_COLUMNS = ("quantity", "unit_price", "amount", "cost", "discount", "paid_amount")


# --------------------------------------------------------------------------- worker side
# Runs in a subprocess whose environment names the database; talks to it through Django.


def _prepare(csv: Path) -> dict:
    """Migrate the empty database and create the export's customers as accounts (untimed)."""
    import polars as pl
    from django.core.management import call_command

    from kam.accounts.models import Account

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    heads = {"客户编码": "account_code", "客户名称": "account_name"}
    customers = _data.accounts_of(
        pl.read_csv(csv, columns=list(heads), infer_schema=False).rename(heads)
    )
    Account.objects.bulk_create(
        [Account(code=code, name=name) for code, name in customers.iter_rows()], batch_size=5000
    )
    _settle()
    return {"accounts": customers.height, "prepare_seconds": time.perf_counter() - started}


def _settle() -> None:
    """Start the timer with no write-back pending from the migrations or an earlier leg."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cur.execute("CHECKPOINT")


def _checksum() -> dict:
    """Figures that differ if the two legs loaded different data."""
    from django.db import connection

    sql = """
        SELECT COUNT(*), COUNT(DISTINCT account_id), SUM(amount), SUM(quantity), SUM(cost),
               COUNT(cost), SUM(discount), SUM(paid_amount), COUNT(paid_date),
               SUM(days_to_pay), MIN(month), MAX(month), SUM(line_no)
        FROM sales_orderline WHERE source = %s
    """
    names = [
        "lines",
        "accounts",
        "amount",
        "quantity",
        "cost",
        "costed",
        "discount",
        "paid",
        "paid_dates",
        "days_to_pay",
        "first_month",
        "last_month",
        "line_no_sum",
    ]
    if "paid_month" in _line_columns():
        sql = sql.replace("SUM(line_no)", "SUM(line_no), COUNT(paid_month), MAX(paid_month)")
        names += ["paid_months", "last_paid_month"]
    with connection.cursor() as cur:
        cur.execute(sql, [SOURCE])
        row = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM sales_accountmonth")
        months = cur.fetchone()[0]
    out = {}
    for name, value in zip(names, row, strict=True):
        if value is None or isinstance(value, int):
            out[name] = value
        elif isinstance(value, str | dt.date):
            out[name] = str(value)[:10]
        else:  # Decimal (PostgreSQL) or float (SQLite stores decimals as REAL)
            out[name] = float(value)
    out["account_months"] = months
    return out


def _line_columns() -> list[str]:
    """Every stored column of sales_orderline but the id, as the model now has them."""
    from kam.sales.models import OrderLine

    return [f.column for f in OrderLine._meta.concrete_fields if not f.primary_key]


def _floor_rows(csv: Path, vendor: str, columns: list[str]) -> tuple[list[tuple], float]:
    """The export as tuples in `columns` order, typed as each database stores them."""
    import polars as pl
    from django.utils import timezone

    from kam.accounts.models import Account
    from kam.sales.models import ImportBatch

    started = time.perf_counter()
    batch = ImportBatch.objects.create(source=SOURCE, file_name=csv.name)
    ids = pl.DataFrame(
        list(Account.objects.values_list("code", "id")),
        schema={"account_code": pl.String, "account_id": pl.Int64},
        orient="row",
    )
    frame = _data.orderline_frame(_data.read_export(csv), ids, source=SOURCE, batch_id=batch.id)
    if frame["account_id"].null_count():
        raise RuntimeError("export has customers without an account")
    now = timezone.now()
    frame = frame.with_columns(created_at=pl.lit(None), updated_at=pl.lit(None))
    unknown = sorted(set(columns) - set(frame.columns))
    if unknown:
        raise RuntimeError(
            f"the floor does not fill sales_orderline columns {unknown}: teach "
            "bench/_data.py:orderline_frame how the importer derives them"
        )
    dates = [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
    if vendor == "sqlite":
        # Django binds a Decimal as its str and the NUMERIC column affinity stores it as REAL
        # (INTEGER when whole): binding the float stores the identical value, more cheaply.
        # Datetimes are stored as naive UTC text.
        stamp = str(now.astimezone(dt.UTC).replace(tzinfo=None))
        money = [pl.col(c).cast(pl.Float64) for c in MONEY_COLUMNS]
    else:
        # COPY's text format: the decimal strings go through unchanged.
        stamp = now.isoformat()
        money = []
    frame = frame.with_columns(*dates, *money, created_at=pl.lit(stamp), updated_at=pl.lit(stamp))
    rows = frame.select(columns).rows()
    return rows, time.perf_counter() - started


def worker_floor(csv: Path) -> dict:
    django_setup()
    from django.db import connection, transaction

    out = _prepare(csv)
    fields = _line_columns()
    rows, out["rows_build_seconds"] = _floor_rows(csv, connection.vendor, fields)
    columns = ", ".join(fields)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "sqlite":
            placeholders = ", ".join(["%s"] * len(fields))
            cur.executemany(
                f"INSERT INTO sales_orderline ({columns}) VALUES ({placeholders})", rows
            )
            out["method"] = "executemany, one transaction"
        else:
            with cur.cursor.copy(f"COPY sales_orderline ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            out["method"] = "COPY FROM STDIN, one transaction"
    out["seconds"] = time.perf_counter() - started
    out["lines"] = len(rows)
    out["checksum"] = _checksum()
    return out


def _summary(result) -> dict:
    """The importer's result as JSON-friendly figures (lists become their lengths)."""
    out = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, list | tuple | set):
            value = len(value)
        elif not isinstance(value, int | float | str | bool | type(None)):
            value = str(value)
        out[f.name] = value
    return out


def worker_import(csv: Path, reimport: bool) -> dict:
    django_setup()
    from kam.sales import services

    out = _prepare(csv)
    runs = [("import", "result", "seconds")]
    if reimport:
        runs.append(("re-import", "reimport_result", "reimport_seconds"))
    for label, result_key, seconds_key in runs:
        started = time.perf_counter()
        try:
            result = services.import_orders(csv, source=SOURCE)
        except NotImplementedError:
            out["error"] = "kam.sales.services.import_orders is not implemented yet"
            return out
        except Exception as exc:  # a rejected file: report what the importer said
            out["error"] = f"{label} failed: {type(exc).__name__}: {str(exc)[:2000]}"
            return out
        out[seconds_key] = time.perf_counter() - started
        out[result_key] = _summary(result)
        if label == "import":
            out["checksum"] = _checksum()
    return out


# --------------------------------------------------------------------------- parent side


def _sqlite_path(workdir: Path) -> Path:
    return workdir / "bench.sqlite3"


def _fresh_database(backend: str, workdir: Path) -> str:
    """Create an empty database for one leg and return its DATABASE_URL."""
    if backend == "sqlite":
        path = _sqlite_path(workdir)
        drop_sqlite(path)
        return f"sqlite:///{path}"
    pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}")
    return PG_URL


def _drop_database(backend: str, workdir: Path) -> None:
    if backend == "sqlite":
        drop_sqlite(_sqlite_path(workdir))
    else:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def _run_worker(kind: str, backend: str, csv: Path, workdir: Path, reimport: bool) -> dict:
    url = _fresh_database(backend, workdir)
    os.sync()  # no write-back of the previous leg's files left to compete with this one
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="kam.settings",
        DATABASE_URL=url,
        DEBUG="false",  # as in production: no query log, no debug cursor
        SECRET_KEY="kam-bench-only-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1",
        KAM_VAR_DIR=str(workdir / "var"),
        CONN_MAX_AGE="0",
    )
    cmd = ["bench.import_bench", "--worker", kind, "--csv", str(csv)]
    if not reimport:
        cmd.append("--no-reimport")
    return run_leg(cmd, env, f"{backend} {kind} leg")


def _rate(lines: int, seconds: float | None) -> float | None:
    return lines / seconds if seconds else None


def _same(a: dict, b: dict) -> bool:
    keys = set(a) & set(b) - {"account_months"}
    for key in keys:
        x, y = a[key], b[key]
        if isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or not math.isclose(x, y, rel_tol=1e-9, abs_tol=0.005):
                return False
        elif x != y:
            return False
    return True


def bench_backend(
    backend: str, csv: Path, workdir: Path, repeat: int, reimport: bool, floor_only: bool
) -> dict:
    floors, imports = [], []
    for i in range(repeat):
        tag = f" (run {i + 1}/{repeat})" if repeat > 1 else ""
        print(f"  {backend}: floor{tag} …", flush=True)
        floors.append(_run_worker("floor", backend, csv, workdir, reimport))
        print(
            f"    floor {floors[-1]['seconds']:.2f} s for {floors[-1]['lines']:,} lines", flush=True
        )
        if floor_only:
            continue
        print(f"  {backend}: import{tag} …", flush=True)
        imports.append(_run_worker("import", backend, csv, workdir, reimport))
        if "error" in imports[-1]:
            print(f"    {imports[-1]['error']}", flush=True)
            break
        print(f"    import {imports[-1]['seconds']:.2f} s", flush=True)
    floor = floors[-1]
    lines = floor["lines"]
    out: dict = {
        "backend": backend,
        "lines": lines,
        "accounts": floor["accounts"],
        "floor_method": floor["method"],
        "floor_seconds": statistics.median(f["seconds"] for f in floors),
        "floor_runs": [f["seconds"] for f in floors],
    }
    out["floor_lines_per_s"] = _rate(lines, out["floor_seconds"])
    if floor_only:
        return out
    last = imports[-1]
    if "error" in last:
        out["import_error"] = last["error"]
        return out
    out["import_seconds"] = statistics.median(r["seconds"] for r in imports)
    out["import_runs"] = [r["seconds"] for r in imports]
    out["import_lines_per_s"] = _rate(lines, out["import_seconds"])
    out["ratio"] = out["import_seconds"] / out["floor_seconds"]
    out["goal_met"] = out["ratio"] <= GOAL
    out["import_result"] = last["result"]
    if reimport:
        out["reimport_seconds"] = statistics.median(r["reimport_seconds"] for r in imports)
        out["reimport_result"] = last["reimport_result"]
    out["checksum_floor"] = floor["checksum"]
    out["checksum_import"] = last["checksum"]
    out["same_data"] = _same(floor["checksum"], last["checksum"])
    return out


def print_table(results: list[dict]) -> None:
    heads = (
        "backend",
        "lines",
        "floor s",
        "floor lines/s",
        "import s",
        "import lines/s",
        "import/floor",
        "re-import s",
        f"≤ {GOAL}×",
    )
    rows = []
    for r in results:
        goal = "—" if "ratio" not in r else ("yes" if r["goal_met"] else "NO")
        rows.append(
            (
                r["backend"],
                f"{r['lines']:,}",
                fmt(r["floor_seconds"], ".2f"),
                fmt(r["floor_lines_per_s"], ",.0f"),
                fmt(r.get("import_seconds"), ".2f"),
                fmt(r.get("import_lines_per_s"), ",.0f"),
                fmt(r.get("ratio"), ".2f"),
                fmt(r.get("reimport_seconds"), ".2f"),
                goal,
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]
    line = "  ".join(
        h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(heads, widths, strict=True))
    )
    print()
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print()
    for r in results:
        name = r["backend"]
        print(f"{name}: floor = {r['floor_method']}; {r['accounts']:,} accounts pre-created")
        if "import_error" in r:
            print(f"{name}: importer: {r['import_error']}")
            continue
        if "import_result" not in r:  # --floor-only
            continue
        res = r["import_result"]
        print(
            f"{name}: import  → added {res['lines_added']:,}, updated {res['lines_updated']:,}, "
            f"unchanged {res['lines_unchanged']:,}, skipped {res['rows_skipped']:,}, "
            f"accounts created {res['accounts_created']:,}, months refreshed "
            f"{res['months_refreshed']:,} (importer's own clock {res['seconds']:.2f} s)"
        )
        if "reimport_result" in r:
            res = r["reimport_result"]
            ok = res["lines_added"] == 0 and res["lines_unchanged"] == r["lines"]
            print(
                f"{name}: re-import → added {res['lines_added']:,}, updated "
                f"{res['lines_updated']:,}, unchanged {res['lines_unchanged']:,}"
                f"{'' if ok else '   (NOT idempotent: expected 0 added, all unchanged)'}"
            )
        if not r["same_data"]:
            print(f"{name}: WARNING the importer's lines differ from the floor's:")
            print(f"    floor  {r['checksum_floor']}")
            print(f"    import {r['checksum_import']}")
        else:
            print(
                f"{name}: same data in both legs (count and column sums); "
                f"{r['checksum_import']['account_months']:,} account-months in the rollup"
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench.import_bench",
        description="Time kam's order importer against the bulk-load floor of SQLite and PostgreSQL.",
    )
    p.add_argument("--lines", type=int, default=1_000_000, help="order lines (default 1,000,000)")
    p.add_argument("--customers", type=int, help="distinct customers (default lines/100)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql"
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=Path("/tmp/kam-bench"),
        help="where the generated CSV is cached and the SQLite database lives",
    )
    p.add_argument("--repeat", type=int, default=1, help="runs per leg; the median is reported")
    p.add_argument("--no-reimport", action="store_true", help="skip the second, idempotent import")
    p.add_argument("--floor-only", action="store_true", help="measure the floors only")
    p.add_argument("--keep", action="store_true", help="keep the last leg's database afterwards")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--worker", choices=("floor", "import"), help=argparse.SUPPRESS)
    p.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.lines < 1:
        p.error("--lines must be positive")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            p.error(f"unknown backend {b!r}; choose from {', '.join(BACKENDS)}")
    args.backends = backends
    return args


def run_worker(args: argparse.Namespace) -> None:
    if args.worker == "floor":
        out = worker_floor(args.csv)
    else:
        out = worker_import(args.csv, reimport=not args.no_reimport)
    print(RESULT_MARK + json.dumps(out, default=str), flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    customers = args.customers or _data.default_customers(args.lines)
    started = time.perf_counter()
    csv, generated = _data.ensure_export(workdir, args.lines, customers, args.seed)
    gen_seconds = time.perf_counter() - started
    size = csv.stat().st_size
    print(
        f"export: {csv} ({size / 1e6:,.0f} MB, {args.lines:,} lines, ~{customers:,} customers), "
        + (f"generated in {gen_seconds:.1f} s" if generated else "cached")
    )
    results = []
    try:
        for backend in args.backends:
            results.append(
                bench_backend(
                    backend,
                    csv,
                    workdir,
                    max(1, args.repeat),
                    reimport=not args.no_reimport,
                    floor_only=args.floor_only,
                )
            )
    finally:
        if not args.keep:
            for backend in args.backends:
                _drop_database(backend, workdir)
            shutil.rmtree(workdir / "var", ignore_errors=True)
    print_table(results)
    if args.json:
        doc = {
            "benchmark": "import",
            "goal_ratio": GOAL,
            "lines": args.lines,
            "customers": customers,
            "seed": args.seed,
            "csv": str(csv),
            "csv_bytes": size,
            "generated_seconds": gen_seconds if generated else None,
            "versions": versions(),
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "results": results,
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
