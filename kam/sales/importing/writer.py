"""Putting prepared order lines into the database: accounts, new and changed lines, rollup.

Bulk paths on purpose: a million lines go in through one `executemany` (SQLite) or one
`COPY` (PostgreSQL) instead of a million ORM objects, which would be ten times slower.
"""

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat

import polars as pl
from django.db import connection
from django.utils import timezone

from kam.accounts.models import Account, Region
from kam.core.frames import query_frame
from kam.sales.models import AccountMonth, OrderLine

from .pipeline import LIMITS

CHUNK = 50_000
# A bulk load touches index pages all over the file; SQLite's default 2 MB page cache
# makes it re-read them. This is per connection and costs memory only while it is used.
SQLITE_CACHE_KIB = 256 * 1024
IN_CHUNK = 5_000
LINE_TABLE = OrderLine._meta.db_table
MONTH_TABLE = AccountMonth._meta.db_table
COMPARED = [
    "account_id",
    "order_date",
    "product_code",
    "product_name",
    "quantity",
    "unit_price",
    "amount",
    "cost",
    "discount",
    "paid_amount",
    "paid_date",
]
NUMERIC = ["quantity", "unit_price", "amount", "cost", "discount", "paid_amount"]
INSERTED = [
    "source",
    "order_no",
    "line_no",
    "account_id",
    "order_date",
    "month",
    "product_code",
    "product_name",
    "quantity",
    "unit_price",
    "amount",
    "cost",
    "discount",
    "paid_amount",
    "paid_date",
    "days_to_pay",
    "paid_month",
    "batch_id",
    "created_at",
    "updated_at",
]


@dataclass
class Diff:
    new: pl.DataFrame
    changed: pl.DataFrame  # with "id" of the stored line
    unchanged: int
    vacated: pl.DataFrame = field(default_factory=pl.DataFrame)  # (account_id, month) left by moves


def _chunks(items: list, size: int = IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- accounts


def resolve_accounts(lines: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Attach account_id: by customer code, else by exact name; create what is missing.

    A row whose code is unknown but whose name matches an account without a code adopts
    that account and gives it the code, so a first import by name and a later one by code
    meet on the same customer.
    """
    by_code, by_name, created = account_maps(lines, create=True)
    return attach_accounts(lines, by_code, by_name), created


def account_maps(
    lines: pl.DataFrame, *, create: bool
) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """(account id by code, by name, names of the accounts created) for the file's customers.

    Without `create` nothing is written: each account that would be created gets a
    placeholder id instead (-1, -2, …), so that a plan can be made outside the lock.
    """
    customers = lines.group_by("customer_code", "customer_name", maintain_order=True).agg(
        pl.col("region").first(), pl.col("industry").first()
    )
    with_code = customers.filter(pl.col("customer_code").is_not_null()).unique(
        subset=["customer_code"], keep="first", maintain_order=True
    )
    without_code = customers.filter(pl.col("customer_code").is_null()).unique(
        subset=["customer_name"], keep="first", maintain_order=True
    )
    by_code = _ids_by_code(with_code.get_column("customer_code").to_list())
    names = set(customers.get_column("customer_name").drop_nulls().to_list())
    by_name, codeless = _ids_by_name(names)
    missing = _create_missing if create else _plan_missing
    created = missing(with_code, without_code, by_code, by_name, codeless)
    return by_code, by_name, created


def attach_accounts(
    lines: pl.DataFrame, by_code: dict[str, int], by_name: dict[str, int]
) -> pl.DataFrame:
    """Each line's account_id: its code's account, or without a code its name's."""
    code_map = pl.DataFrame(
        {"customer_code": list(by_code), "account_id": list(by_code.values())},
        schema={"customer_code": pl.String, "account_id": pl.Int64},
    )
    name_map = pl.DataFrame(
        {"customer_name": list(by_name), "name_account_id": list(by_name.values())},
        schema={"customer_name": pl.String, "name_account_id": pl.Int64},
    )
    return (
        lines.join(code_map, on="customer_code", how="left")
        .join(name_map, on="customer_name", how="left")
        .with_columns(
            pl.when(pl.col("customer_code").is_null())
            .then(pl.col("name_account_id"))
            .otherwise(pl.col("account_id"))
            .alias("account_id")
        )
        .drop("name_account_id")
    )


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(Account.objects.filter(code__in=chunk).values_list("code", "id"))
    return found


def _ids_by_name(names: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Exact-name matches (the oldest living namesake wins), and those without a code."""
    by_name: dict[str, int] = {}
    codeless: dict[str, int] = {}
    for chunk in _chunks(sorted(names)):
        rows = Account.objects.filter(name__in=chunk).order_by("deleted_at", "id")
        for name, pk, code in rows.values_list("name", "id", "code"):
            by_name.setdefault(name, pk)
            if code is None:
                codeless.setdefault(name, pk)
    return by_name, codeless


def _create_missing(with_code, without_code, by_code, by_name, codeless) -> list[str]:
    regions: dict[str, Region] = {}
    to_create: list[Account] = []
    for row in with_code.iter_rows(named=True):
        code, name = row["customer_code"], row["customer_name"]
        if code in by_code:
            continue
        if name in codeless:
            by_code[code] = codeless.pop(name)
            Account.objects.filter(pk=by_code[code]).update(code=code, updated_at=timezone.now())
            continue
        to_create.append(_new_account(row, regions))
    for row in without_code.iter_rows(named=True):
        if row["customer_name"] not in by_name:
            to_create.append(_new_account(row, regions))
    created = Account.objects.bulk_create(to_create, batch_size=1000)
    for account in created:
        if account.code:
            by_code[account.code] = account.pk
        else:
            by_name[account.name] = account.pk
    return [a.name for a in created]


def _plan_missing(with_code, without_code, by_code, by_name, codeless) -> list[str]:
    """What `_create_missing` would do, with placeholder ids and no write."""
    planned: list[str] = []

    def placeholder(row: dict) -> int:
        planned.append(row["customer_name"] or row["customer_code"])
        return -len(planned)

    for row in with_code.iter_rows(named=True):
        code, name = row["customer_code"], row["customer_name"]
        if code in by_code:
            continue
        by_code[code] = codeless.pop(name) if name in codeless else placeholder(row)
    for row in without_code.iter_rows(named=True):
        if row["customer_name"] not in by_name:
            by_name[row["customer_name"]] = placeholder(row)
    return planned


def _new_account(row: dict, regions: dict[str, Region]) -> Account:
    region = None
    if row.get("region"):
        name = row["region"]
        if name not in regions:
            regions[name], _ = Region.objects.get_or_create(name=name)
        region = regions[name]
    return Account(
        name=row["customer_name"] or row["customer_code"],
        code=row["customer_code"],
        region=region,
        industry=row.get("industry") or "",
    )


# ---------------------------------------------------------------- diffing


def diff_lines(lines: pl.DataFrame, source: str) -> Diff:
    """Split the file's lines into new, changed and unchanged against what is stored."""
    existing = _existing_lines(source, lines.get_column("order_no").unique().to_list())
    if existing.is_empty():
        return Diff(lines, lines.clear().with_columns(pl.lit(None, pl.Int64).alias("id")), 0)
    joined = lines.join(existing, on=["order_no", "line_no"], how="left", suffix="__old")
    stored = joined.filter(pl.col("id").is_not_null())
    differs = pl.lit(False)
    for column in COMPARED:
        differs = differs | ~_comparable(column).eq_missing(_comparable(f"{column}__old", column))
    changed = stored.filter(differs)
    vacated = pl.concat(
        [
            changed.select(
                pl.col("account_id__old").alias("account_id"),
                pl.col(f"{column}__old").str.to_date().dt.truncate("1mo").alias("month"),
            )
            for column in ("order_date", "paid_date")
        ]
    ).drop_nulls()
    keep = lines.columns
    return Diff(
        new=joined.filter(pl.col("id").is_null()).select(keep),
        changed=changed.select([*keep, "id"]),
        unchanged=stored.height - changed.height,
        vacated=vacated,
    )


def _comparable(column: str, kind: str | None = None) -> pl.Expr:
    kind = kind or column
    if kind in NUMERIC:
        return pl.col(column).cast(pl.Float64)
    if kind in ("order_date", "paid_date"):
        return pl.col(column).cast(pl.String)
    if kind in ("product_code", "product_name"):
        return pl.col(column).fill_null("")
    return pl.col(column)


WHOLE_SOURCE_FROM = 20_000  # order numbers: past this, read the source once, not in IN-lists


def _existing_lines(source: str, order_nos: list[str]) -> pl.DataFrame:
    """The stored lines the file may touch, as text to compare against the file's values."""
    schema = {"id": pl.Int64, "order_no": pl.String, "line_no": pl.Int64}
    schema |= {f"{c}__old": pl.String for c in COMPARED}
    schema["account_id__old"] = pl.Int64
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {LINE_TABLE} WHERE source = %s LIMIT 1", [source])
        if cursor.fetchone() is None:
            return pl.DataFrame(schema=schema)
    casts = ", ".join(c if c == "account_id" else f"CAST({c} AS TEXT)" for c in COMPARED)
    select = f"SELECT id, order_no, line_no, {casts} FROM {LINE_TABLE} WHERE source = %s"
    if not order_nos:
        return pl.DataFrame(schema=schema)
    if len(order_nos) > WHOLE_SOURCE_FROM:
        return query_frame(select, [source], schema)
    frames = []
    for chunk in _chunks(order_nos):
        marks = ", ".join(["%s"] * len(chunk))
        frames.append(query_frame(f"{select} AND order_no IN ({marks})", [source, *chunk], schema))
    return pl.concat(frames)


# ---------------------------------------------------------------- writing


def with_derived(lines: pl.DataFrame) -> pl.DataFrame:
    """The columns stored beside the file's values: order month, days to pay, month paid."""
    return lines.with_columns(
        pl.col("order_date").dt.truncate("1mo").alias("month"),
        (pl.col("paid_date") - pl.col("order_date")).dt.total_days().alias("days_to_pay"),
        pl.col("paid_date").dt.truncate("1mo").alias("paid_month"),
    )


def insert_lines(
    lines: pl.DataFrame,
    *,
    source: str,
    batch_id: int | None,
    progress: Callable[[int], None] | None = None,
) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    frame = with_derived(lines).with_columns(
        pl.col("product_code").fill_null(""), pl.col("product_name").fill_null("")
    )
    constants = {"source": source, "batch_id": batch_id, "created_at": now, "updated_at": now}
    bulk_insert(LINE_TABLE, frame, INSERTED, constants=constants, progress=progress)


def bulk_insert(
    table: str,
    frame: pl.DataFrame,
    columns: list[str],
    *,
    constants: dict | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert a frame in bulk: `columns` come from the frame, or from `constants`."""
    constants = constants or {}
    if connection.vendor == "postgresql":
        _copy(table, frame, columns, constants, progress)
    else:
        _executemany(table, frame, columns, constants, progress)


def _executemany(table, frame, columns, constants, progress) -> None:
    """SQLite: one executemany per chunk; decimals as floats, which is what SQLite stores."""
    marks = ", ".join(["?"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        for start in range(0, frame.height, CHUNK):
            chunk = frame.slice(start, CHUNK)
            values = [
                repeat(constants[c]) if c in constants else _python_values(chunk.get_column(c))
                for c in columns
            ]
            cursor.executemany(sql, zip(*values, strict=False))
            if progress:
                progress(chunk.height)
    finally:
        cursor.close()


def _python_values(series: pl.Series) -> list:
    if isinstance(series.dtype, pl.Decimal):
        series = series.cast(pl.Float64)
    elif series.dtype == pl.Date:
        series = series.cast(pl.String)
    return series.to_list()


def _copy(table, frame, columns, constants, progress) -> None:
    """PostgreSQL: COPY FROM STDIN fed with CSV that Polars writes in one go per chunk."""
    frame = frame.with_columns(
        [pl.lit(value if value is None else str(value)).alias(c) for c, value in constants.items()]
    ).select(columns)
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for start in range(0, frame.height, CHUNK):
            chunk = frame.slice(start, CHUNK)
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False, quote_style="non_numeric", null_value="")
            copy.write(buffer.getvalue())
            if progress:
                progress(chunk.height)


def update_lines(changed: pl.DataFrame, *, batch_id: int | None) -> None:
    if changed.is_empty():
        return
    changed = with_derived(changed)
    columns = [c for c in INSERTED if c not in ("source", "order_no", "line_no", "created_at")]
    assignments = ", ".join(f"{c} = %s" for c in columns)
    now = timezone.now()
    params = []
    for row in changed.iter_rows(named=True):
        row |= {"batch_id": batch_id, "updated_at": now}
        row["product_code"] = row["product_code"] or ""
        row["product_name"] = row["product_name"] or ""
        params.append([row[c] for c in columns] + [row["id"]])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {LINE_TABLE} SET {assignments} WHERE id = %s", params)


# ---------------------------------------------------------------- staging (SQLite)
#
# SQLite has one write lock for the whole database. Written in one transaction, a million
# lines hold it for half a minute, and every other user's write (a sign-in, an edit) waits
# and fails. So on SQLite the import plans and stages first, holding no lock: it reads the
# accounts and stored lines, and writes the new lines into a TEMP table (private to its
# connection, invisible to others, gone with the connection if the process dies). Only
# then does it take the lock, for one short transaction that creates the accounts and
# copies the staged lines in with one INSERT … SELECT. All or nothing, as before.

STAGE = "kam_import_stage"
PLACEHOLDERS = "kam_import_accounts"
IMPORT_BUSY_TIMEOUT_MS = 120_000
STAGED = [c for c in INSERTED if c not in ("source", "batch_id", "created_at", "updated_at")]


class StalePlan(Exception):
    """Accounts or lines changed between the plan and the lock: the import recomputes."""


@dataclass
class Plan:
    """What an import will write, worked out without the lock (see `plan_import`)."""

    lines: pl.DataFrame  # the prepared lines, without accounts
    by_code: dict[str, int]  # negative ids: accounts still to create
    by_name: dict[str, int]
    diff: Diff
    stamp: str  # the rollup's data stamp: every write of order lines changes it


def plan_import(lines: pl.DataFrame, source: str, stamp: str) -> Plan:
    """Accounts by placeholder and the diff against the stored lines, reading only."""
    by_code, by_name, _created = account_maps(lines, create=False)
    diff = diff_lines(attach_accounts(lines, by_code, by_name), source)
    return Plan(lines, by_code, by_name, diff, stamp)


@contextlib.contextmanager
def staged(plan: Plan, progress: Callable[[int], None] | None = None):
    """The plan's new lines in a TEMP table for the time of the block, written in short
    transactions of the temp database only (the main database stays unlocked)."""
    frame = with_derived(plan.diff.new).with_columns(
        pl.col("product_code").fill_null(""), pl.col("product_name").fill_null("")
    )
    # In natural-key order the unique index of the lines grows at its end when they are
    # copied in, instead of splitting pages all over it (sorted here, outside the lock).
    frame = frame.sort("order_no", "line_no")
    connection.ensure_connection()
    raw = connection.connection
    raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    # A page's request gives up on the lock after KAM_SQLITE_TIMEOUT; an import runs in the
    # background and waits longer for another writer (another import's final transaction).
    raw.execute(f"PRAGMA busy_timeout = {IMPORT_BUSY_TIMEOUT_MS}")
    own_transactions = not connection.in_atomic_block  # inside a test's, use that one
    raw.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
    raw.execute(f"CREATE TEMP TABLE {STAGE} ({', '.join(STAGED)})")
    sql = f"INSERT INTO temp.{STAGE} VALUES ({', '.join(['?'] * len(STAGED))})"
    try:
        for start in range(0, frame.height, CHUNK):
            chunk = frame.slice(start, CHUNK)
            rows = zip(*(_python_values(chunk.get_column(c)) for c in STAGED), strict=True)
            if own_transactions:
                raw.execute("BEGIN DEFERRED")  # writes to temp only: no main-database lock
            raw.executemany(sql, rows)
            if own_transactions:
                raw.execute("COMMIT")
            if progress:
                progress(chunk.height)
        yield
    finally:
        with contextlib.suppress(Exception):  # the connection may be what failed
            if own_transactions and raw.in_transaction:  # staging itself failed
                raw.rollback()
            raw.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
            raw.execute(f"DROP TABLE IF EXISTS temp.{PLACEHOLDERS}")
            waits = connection.settings_dict["OPTIONS"].get("timeout", 5)  # the connection's own
            raw.execute(f"PRAGMA busy_timeout = {int(float(waits) * 1000)}")


def apply_plan(plan: Plan, *, source: str, batch_id: int, stamp: str) -> tuple[Diff, list[str]]:
    """Inside the import's transaction: create the accounts, check the plan still holds,
    and copy the staged lines in. Returns the diff with real account ids, and the names of
    the accounts created. Raises StalePlan when something the plan read has changed."""
    by_code, by_name, created = account_maps(plan.lines, create=True)
    real = _placeholder_ids(plan, by_code, by_name)
    if real is None or stamp != plan.stamp:
        raise StalePlan
    diff = Diff(
        new=_remapped(plan.diff.new, real),
        changed=_remapped(plan.diff.changed, real),
        unchanged=plan.diff.unchanged,
        vacated=plan.diff.vacated,
    )
    _insert_staged(source, batch_id, real)
    return diff, created


def _placeholder_ids(plan: Plan, by_code: dict, by_name: dict) -> dict[int, int] | None:
    """Placeholder → account created; None when an account the plan found is another now."""
    real: dict[int, int] = {}
    for planned, found in ((plan.by_code, by_code), (plan.by_name, by_name)):
        for key, planned_id in planned.items():
            found_id = found.get(key)
            if planned_id < 0 and found_id is not None:
                real[planned_id] = found_id
            elif planned_id != found_id:
                return None
    return real


def _remapped(frame: pl.DataFrame, real: dict[int, int]) -> pl.DataFrame:
    if not real or frame.is_empty():
        return frame
    return frame.with_columns(pl.col("account_id").replace(real))


def _insert_staged(source: str, batch_id: int, real: dict[int, int]) -> None:
    """One INSERT … SELECT from the stage; placeholders replaced first (UPDATE … FROM)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if real:
            cursor.execute(
                f"CREATE TEMP TABLE {PLACEHOLDERS} (placeholder INTEGER PRIMARY KEY, account_id)"
            )
            cursor.executemany(f"INSERT INTO temp.{PLACEHOLDERS} VALUES (%s, %s)", real.items())
            cursor.execute(
                f"UPDATE temp.{STAGE} SET account_id = p.account_id FROM temp.{PLACEHOLDERS} p "
                f"WHERE {STAGE}.account_id = p.placeholder"
            )
        columns = ", ".join(STAGED)
        cursor.execute(
            f"INSERT INTO {LINE_TABLE} (source, batch_id, created_at, updated_at, {columns}) "
            f"SELECT %s, %s, %s, %s, {columns} FROM temp.{STAGE}",
            [source, batch_id, now, now],
        )


# ---------------------------------------------------------------- rollup

ROLLUP_COLUMNS = (
    "account_id, month, revenue, cost, uncosted_revenue, discount, quantity, lines, orders, "
    "return_amount, return_lines, paid_amount, paid_days_amount, tracked_revenue, collected"
)
ROLLUP_BY_ORDER_MONTH = """
    SELECT account_id, month,
        SUM(amount), SUM(COALESCE(cost, 0)),
        SUM(CASE WHEN cost IS NULL THEN amount ELSE 0 END),
        SUM(discount), SUM(quantity), COUNT(*), COUNT(DISTINCT order_no),
        SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END),
        SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END),
        SUM(COALESCE(paid_amount, 0)),
        SUM(COALESCE(days_to_pay * paid_amount, 0)),
        SUM(CASE WHEN paid_amount IS NULL THEN 0 ELSE amount END),
        0
    FROM {lines}
    WHERE account_id IN ({accounts}) AND month IN ({months})
    GROUP BY account_id, month
"""
# Payments land in the month they were received; a month with payments but no orders
# still gets its row.
ROLLUP_BY_PAID_MONTH = """
    SELECT account_id, paid_month, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, SUM(paid_amount)
    FROM {lines}
    WHERE account_id IN ({accounts}) AND paid_month IN ({months})
    GROUP BY account_id, paid_month
    ON CONFLICT (account_id, month) DO UPDATE SET collected = excluded.collected
"""


def refresh_rollup(touched: pl.DataFrame) -> int:
    """Recompute the monthly rollup for the (account_id, month) pairs given, from the lines.

    Works on account chunks × the months touched (a superset of the pairs), which keeps
    the statements few; recomputing a pair that did not change is harmless.
    Returns the number of account-months now stored for those pairs.
    """
    if touched.is_empty():
        return 0
    touched = touched.unique()
    months = sorted(touched.get_column("month").unique().to_list())
    accounts = sorted(touched.get_column("account_id").unique().to_list())
    month_marks = ", ".join(["%s"] * len(months))
    written = 0
    with connection.cursor() as cursor:
        for chunk in _chunks(accounts, 2_000):
            account_marks = ", ".join(["%s"] * len(chunk))
            params = [*chunk, *months]
            where = f"account_id IN ({account_marks}) AND month IN ({month_marks})"
            cursor.execute(f"DELETE FROM {MONTH_TABLE} WHERE {where}", params)
            for select in (ROLLUP_BY_ORDER_MONTH, ROLLUP_BY_PAID_MONTH):
                sql = select.format(lines=LINE_TABLE, accounts=account_marks, months=month_marks)
                cursor.execute(f"INSERT INTO {MONTH_TABLE} ({ROLLUP_COLUMNS}) {sql}", params)
            cursor.execute(f"SELECT COUNT(*) FROM {MONTH_TABLE} WHERE {where}", params)
            written += cursor.fetchone()[0]
    return written


ROLLUP_FIELDS = [c.strip() for c in ROLLUP_COLUMNS.split(",")]


def refresh_after_import(diff: Diff) -> int:
    """Bring the rollup up to date with an import; returns the account-months refreshed.

    Account-months with no row yet had no lines before, so their lines now are exactly
    this file's lines there: they are summed in Polars and inserted in bulk. The others
    are recomputed from all their stored lines in SQL.
    """
    lines = pl.concat([diff.new, diff.changed.drop("id")])
    rows = rollup_of(lines)
    keys = rows.select("account_id", "month")
    if not diff.vacated.is_empty():
        vacated = diff.vacated.select(pl.col("account_id").cast(pl.Int64), "month")
        keys = pl.concat([keys, vacated]).unique()
    if keys.is_empty():
        return 0
    stored = _stored_pairs(keys)
    fresh = keys.join(stored, on=["account_id", "month"], how="anti")
    stale = keys.join(stored, on=["account_id", "month"], how="semi")
    rows = rows.join(fresh, on=["account_id", "month"], how="semi")
    over = check_month_limits(stale)
    if over:
        _refuse_months(over, lines)
    # In key order the unique index grows at its end instead of splitting pages everywhere.
    bulk_insert(MONTH_TABLE, rows.sort("account_id", "month"), ROLLUP_FIELDS)
    refresh_rollup(stale)
    return keys.height


# The rollup's sums of one account-month, as refresh_rollup would store them, against the
# limit of what its columns hold exactly (see pipeline.stored_limit).
MONTH_SUMS = """
    SELECT account_id, month, SUM(amount), SUM(COALESCE(cost, 0)), SUM(discount),
        SUM(quantity), SUM(COALESCE(paid_amount, 0)),
        SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END)
    FROM {lines}
    WHERE account_id IN ({accounts}) AND month IN ({months})
    GROUP BY account_id, month
"""
MONTH_SUM_FIELDS = ("amount", "cost", "discount", "quantity", "paid_amount", "amount")


class MonthTooLarge(Exception):
    """Lines already stored and this file's lines together sum past a rollup column's
    limit in some account-months; raised inside the import's transaction, so it unwinds.

    `rows` are the file's rows in those account-months: (row, field, stored figure,
    customer, "YYYY-MM", month total).
    """

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        super().__init__(f"{len(rows)} rows in account-months over the limit")


def check_month_limits(touched: pl.DataFrame) -> list[tuple]:
    """Refuse before PostgreSQL overflows (or SQLite rounds) a month's stored sum.

    Only account-months that already had lines need this: the others hold just the
    file's lines, whose monthly sums the check of the file has already bounded.
    """
    if touched.is_empty():
        return
    months = sorted(touched.get_column("month").unique().to_list())
    accounts = sorted(touched.get_column("account_id").unique().to_list())
    month_marks = ", ".join(["%s"] * len(months))
    over = []
    with connection.cursor() as cursor:
        for chunk in _chunks(accounts, 2_000):
            sql = MONTH_SUMS.format(
                lines=LINE_TABLE, accounts=", ".join(["%s"] * len(chunk)), months=month_marks
            )
            cursor.execute(sql, [*chunk, *months])
            for account_id, month, *sums in cursor.fetchall():
                for name, total in zip(MONTH_SUM_FIELDS, sums, strict=True):
                    if total is not None and abs(total) >= LIMITS[name]:
                        over.append((account_id, str(month)[:7], name, total))
    return over


def _refuse_months(over: list[tuple], lines: pl.DataFrame) -> None:
    """Name the file's rows behind each account-month over the limit, then unwind."""
    ids = sorted({account_id for account_id, *_rest in over})
    names = {
        pk: code or name
        for pk, code, name in Account.objects.filter(pk__in=ids).values_list("id", "code", "name")
    }
    keyed = lines.with_columns(key=pl.col("order_date").dt.strftime("%Y-%m"))
    rows = []
    for account_id, month, name, total in over:
        hits = keyed.filter((pl.col("account_id") == account_id) & (pl.col("key") == month))
        for row, value in hits.select("__row", pl.col(name).cast(pl.String)).iter_rows():
            rows.append((row, name, value, names.get(account_id, ""), month, total))
    raise MonthTooLarge(rows)


def rollup_of(lines: pl.DataFrame) -> pl.DataFrame:
    """The rollup rows of a set of lines: the same sums as ROLLUP_BY_ORDER_MONTH and
    ROLLUP_BY_PAID_MONTH, which a test holds them to."""
    derived = with_derived(lines)
    amount, cost, paid = pl.col("amount"), pl.col("cost"), pl.col("paid_amount")
    is_return = amount < 0
    by_month = derived.group_by("account_id", "month").agg(
        revenue=amount.sum(),
        cost=cost.fill_null(0).sum(),
        uncosted_revenue=pl.when(cost.is_null()).then(amount).otherwise(0).sum(),
        discount=pl.col("discount").sum(),
        quantity=pl.col("quantity").sum(),
        lines=pl.len(),
        orders=pl.col("order_no").n_unique(),
        return_amount=pl.when(is_return).then(-amount).otherwise(0).sum(),
        return_lines=is_return.sum(),
        paid_amount=paid.fill_null(0).sum(),
        paid_days_amount=(pl.col("days_to_pay") * paid).fill_null(0).sum(),
        tracked_revenue=pl.when(paid.is_null()).then(0).otherwise(amount).sum(),
    )
    by_paid_month = (
        derived.filter(pl.col("paid_month").is_not_null())
        .group_by("account_id", pl.col("paid_month").alias("month"))
        .agg(collected=paid.sum())
    )
    joined = by_month.join(by_paid_month, on=["account_id", "month"], how="full", coalesce=True)
    return joined.with_columns(pl.exclude("account_id", "month").fill_null(0)).select(ROLLUP_FIELDS)


def _stored_pairs(touched: pl.DataFrame) -> pl.DataFrame:
    months = sorted(touched.get_column("month").unique().to_list())
    accounts = sorted(touched.get_column("account_id").unique().to_list())
    month_marks = ", ".join(["%s"] * len(months))
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(accounts, 2_000):
            account_marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT account_id, month FROM {MONTH_TABLE} "
                f"WHERE account_id IN ({account_marks}) AND month IN ({month_marks})",
                [*chunk, *months],
            )
            rows.extend(cursor.fetchall())
    return pl.DataFrame(rows, schema={"account_id": pl.Int64, "month": pl.Date}, orient="row")
