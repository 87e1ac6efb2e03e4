"""What the benchmarks share: the PostgreSQL server they may use, Django set-up, labels."""

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PG_HOST = "127.0.0.1"  # benchmarks talk to this machine only
PG_PORT = 5432
PG_USER = "postgres"
PG_ADMIN_URL = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
BACKENDS = ("sqlite", "postgresql")
RESULT_MARK = "BENCH-RESULT "


def pg_url(database: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()


def drop_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


def fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def versions() -> dict:
    import sqlite3

    import polars as pl

    out = {
        "python": platform.python_version(),
        "polars": pl.__version__,
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as conn:
            out["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # PostgreSQL leg not requested or server down: only a label is lost
        out["postgresql"] = None
    return out


REPO = Path(__file__).resolve().parent.parent


def run_leg(args: list[str], env: dict | None, label: str) -> dict:
    """Run one leg of a benchmark (`python -m ARGS…`) in its own process: its lines are echoed
    under `label`, its figures come back from the line marked RESULT_MARK."""
    cmd = [sys.executable, "-m", *args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=False)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
        elif line.strip():
            print(f"    [{label}] {line}")
    if proc.returncode or result is None:
        raise SystemExit(f"{label} failed (exit code {proc.returncode})")
    return result


def count_queries(call: Callable[[], object]) -> int:
    """How many SQL statements `call()` sends on the default connection."""
    from django.db import connection

    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        call()
    return count
