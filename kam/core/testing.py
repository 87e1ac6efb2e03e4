"""Exact query counts for tests, kept in one file for the whole project (kam/query_counts.json),
as NetBox keeps `query_counts.json` and Zulip asserts `assert_database_query_count`.

A ceiling lets a page grow a query at a time until it is slow; an exact count makes every
change visible in review: the test fails, and the diff of the file shows by how much.

The file maps a stable name ("page accounts:list | boss | warm") to a count: a number when
SQLite and PostgreSQL agree, else ``{"postgresql": n, "sqlite": m}`` (they differ where
the analysis loads its inputs: on PostgreSQL through COPY on the driver's own cursor, which
Django's query log does not see, see kam.core.frames). Each kind of
baseline names its keys with its own first word ("page …" for pages, "api …" for the API's
lists later), so a test module can tell which keys are its own (see `stale_keys`).

To refresh after a deliberate change, run the tests with ``UPDATE_QUERY_COUNTS=1``::

    UPDATE_QUERY_COUNTS=1 make test
    UPDATE_QUERY_COUNTS=1 .venv/bin/pytest kam/web/tests/test_query_counts.py
    UPDATE_QUERY_COUNTS=1 DATABASE_URL=postgres://… .venv/bin/pytest kam/web/tests/test_query_counts.py

Then the tests write what they measure instead of failing. Each run writes only its own
database's count (SQLite and PostgreSQL runs follow one another, as in `make test`), and
a key measured twice in one run with different counts fails even then: a count that
depends on the data size is a query per row, not a baseline. The file is rewritten with
sorted keys and a fixed layout after every change, so its diff reads well. Runs in
parallel (pytest-xdist) must not update it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

COUNTS_FILE = Path(__file__).resolve().parent.parent / "query_counts.json"
UPDATE_SWITCH = "UPDATE_QUERY_COUNTS"
VENDORS = ("postgresql", "sqlite")
REFRESH_HINT = (
    f"If the change is deliberate, refresh the baselines with `{UPDATE_SWITCH}=1 make test` "
    f"(or `{UPDATE_SWITCH}=1 .venv/bin/pytest <this test>`, once on SQLite and once with "
    "DATABASE_URL set for PostgreSQL) and commit kam/query_counts.json."
)

_measured: dict[tuple[str, str], int] = {}
"""What this test run measured, per database vendor and key, to catch a count that
differs between two measurements of one page (the demo at two scales)."""


def updating() -> bool:
    """Whether this run writes the counts it measures instead of comparing them."""
    return os.environ.get(UPDATE_SWITCH, "").strip().lower() not in ("", "0", "false", "no")


def vendor() -> str:
    return connection.vendor


def load(path: Path = COUNTS_FILE) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def save(counts: dict, path: Path = COUNTS_FILE) -> None:
    """Write the whole file at once (a reader never sees half of it), sorted and indented."""
    text = json.dumps(counts, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def expected(entry: int | dict | None, on: str) -> int | None:
    """The count an entry of the file gives for the database vendor `on` (None: no baseline)."""
    if isinstance(entry, dict):
        return entry.get(on)
    return entry


def merged(entry: int | dict | None, on: str, count: int) -> int | dict:
    """`entry` with `count` as vendor `on`'s count: one number while every vendor agrees,
    else a count per vendor (the other vendors keep theirs until their own run)."""
    if entry is None:
        return count
    counts = dict(entry) if isinstance(entry, dict) else dict.fromkeys(VENDORS, entry)
    counts[on] = count
    if len(set(counts.values())) == 1:
        return count
    return dict(sorted(counts.items()))


def check(key: str, queries: list[dict], *, path: Path = COUNTS_FILE) -> None:
    """Compare the queries a piece of code ran with the baseline `key`, or record them when
    updating. On a mismatch the message shows both counts and every query."""
    count = len(queries)
    on = vendor()
    earlier = _measured.setdefault((on, key), count)
    if earlier != count:
        raise AssertionError(
            f"{key}: {earlier} queries earlier in this run, {count} now, on {on}. The count "
            "depends on the data (a query per row or per account?).\n" + _listing(queries)
        )
    counts = load(path)
    want = expected(counts.get(key), on)
    if want == count:
        return
    if updating():
        counts[key] = merged(counts.get(key), on, count)
        save(counts, path)
        return
    if want is None:
        problem = f"{key}: a new page without a baseline in {path.name} ({count} queries on {on})."
    else:
        problem = f"{key}: expected {want} queries on {on}, got {count}."
    raise AssertionError(f"{problem}\n{REFRESH_HINT}\n{_listing(queries)}")


@contextmanager
def assert_query_count(key: str, *, path: Path = COUNTS_FILE) -> Iterator[CaptureQueriesContext]:
    """Count the queries of the block and `check` them against the baseline `key`."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    check(key, captured.captured_queries, path=path)


def stale_keys(prefix: str, wanted: Iterable[str], *, path: Path = COUNTS_FILE) -> list[str]:
    """Keys beginning with `prefix` that no test measures any more (a page removed or
    renamed). When updating they are removed from the file and none is reported."""
    counts = load(path)
    stale = sorted({k for k in counts if k.startswith(prefix)} - set(wanted))
    if stale and updating():
        save({k: v for k, v in counts.items() if k not in stale}, path)
        return []
    return stale


def _listing(queries: list[dict]) -> str:
    lines = [f"{n:3}. {q['sql']}" for n, q in enumerate(queries, 1)]
    return "Queries:\n" + "\n".join(lines) if lines else "No queries."
