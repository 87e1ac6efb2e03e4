"""Analysis benchmark: kam's value analysis over the rollup against a pandas baseline.

    .venv/bin/python -m bench.analyze_bench                                 # 10 M lines, 100 k customers
    .venv/bin/python -m bench.analyze_bench --lines 1000000 --customers 10000   # a quick run
    .venv/bin/python -m bench.analyze_bench --backends postgresql --json /tmp/analyze.json

Uses the import benchmark's export (`bench._data`, cached in --workdir) and loads it once per
backend with the real importer (`kam.sales.services.import_orders`) into a persistent bench
database — SQLite `WORKDIR/analyze_<export>.sqlite3`, PostgreSQL `kam_analyze_bench` on
127.0.0.1 — which later runs reuse (applying new migrations) while it holds that file's data and
no migration is lost. Unless --no-extras, some cost to serve (every 10th account, one entry a quarter)
and an owner team member per account are added, so P&L and team P&L have inputs.

Then, each backend in a subprocess with DATABASE_URL set and DEBUG=false (production
settings), for the last full year in the data:

(a) `kam.value.services.run_analysis(Period.year(Y), policy=Policy())`: one untimed run, which
    writes the columnar snapshots of the inputs (kam.value.snapshot), then the median of
    --repeat, with the snapshots held in memory as a running kam holds them; its two parts,
    `loaders.load_inputs` and `analyze(…)`; and the same with the snapshots read from their
    Arrow files each time, as a new process would ("from files");
(b) `services.preview(analysis, policy)` for two other policies (absolute tiers; other weights
    and shares), median of --repeat;
and a profile: each analytics step; what a page pays once an analysis is computed
(`portfolio.company`, the in-process cache); and the first analysis after a change, with
no snapshot on disk (each input's database read, then a whole run).

(c) pandas, in its own subprocess: `read_csv` of the raw export, `to_datetime`, filter the
    year, `groupby` customer → revenue, cost, gross profit, orders, lines, discount, paid
    amount, days to pay (amount-weighted), cash collected — what an analyst writes. Timed once,
    median of 3 when a run takes under 30 s. Its figures are checked against kam's metrics.

Goals: (a) ≤ 0.5 s, (b) ≤ 0.3 s, (c)/(a) ≥ 30. Only 127.0.0.1 is contacted. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a file rather than with -m
    sys.path.insert(0, str(REPO))

from bench import _data  # noqa: E402
from bench._common import (  # noqa: E402
    BACKENDS,
    PG_ADMIN_URL,
    RESULT_MARK,
    django_setup,
    drop_sqlite,
    fmt,
    pg_admin,
    pg_url,
    run_leg,
    versions,
)

GOAL_ANALYSIS = 0.5
GOAL_WHAT_IF = 0.3
GOAL_RATIO = 30.0
SOURCE = "bench"
PG_DB = "kam_analyze_bench"
PG_URL = pg_url(PG_DB)
PANDAS_REPEAT_UNDER = 30.0

EXTRA_USERS = 100
EXTRA_USER_PREFIX = "bench-kam-"
EXTRA_COST_EVERY = 10  # every 10th account has cost to serve …
EXTRA_COST_CATEGORIES = ("visits", "service", "freight", "samples", "rebates")  # … one a quarter

#: The per-customer figures both sides compute, compared after the run.
COMPARED = (
    "revenue",
    "cost",
    "gross_profit",
    "discount",
    "orders",
    "lines",
    "paid_amount",
    "days_to_pay",
    "cash_collected",
)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --------------------------------------------------------------------------- worker side
# Runs in a subprocess whose environment names the database; talks to it through Django.


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _sizes() -> dict:
    from django.db import connection

    queries = {
        "lines": "SELECT COUNT(*) FROM sales_orderline",
        "accounts": "SELECT COUNT(*) FROM accounts_account WHERE deleted_at IS NULL",
        "rollup_rows": "SELECT COUNT(*) FROM sales_accountmonth",
        "cost_rows": "SELECT COUNT(*) FROM sales_costtoserve",
        "team_rows": "SELECT COUNT(*) FROM accounts_accountteammember",
        "potential_rows": "SELECT COUNT(*) FROM value_accountpotential",
    }
    out = {}
    with connection.cursor() as cur:
        for name, sql in queries.items():
            cur.execute(sql)
            out[name] = cur.fetchone()[0]
        cur.execute("SELECT MIN(month), MAX(month) FROM sales_accountmonth")
        first, last = cur.fetchone()
    out["first_month"], out["last_month"] = str(first)[:10], str(last)[:10]
    return out


def _loaded_state(csv: Path, lines: int) -> str | None:
    """None when the database holds exactly this export, imported once; else why not."""
    from django.core.management import call_command

    from kam.sales.models import ImportBatch, OrderLine

    try:
        _pending_migrations()
    except Exception as exc:  # no tables at all, a foreign database …
        return f"cannot read migrations ({type(exc).__name__})"
    # Later migrations are applied to a loaded database rather than reloading 10 M lines.
    call_command("migrate", verbosity=0, interactive=False)
    batches = list(ImportBatch.objects.values_list("source", "file_name", "lines_added"))
    if batches != [(SOURCE, csv.name, lines)]:
        return f"import batches {batches[:3]} are not one import of {csv.name}"
    stored = OrderLine.objects.count()
    if stored != lines:
        return f"{stored:,} order lines stored, the export has {lines:,}"
    return None


def _account_ids() -> list[int]:
    from kam.accounts.models import Account

    return list(Account.objects.alive().order_by("pk").values_list("pk", flat=True))


def _expected_extras(ids: list[int]) -> tuple[int, int]:
    """(cost-to-serve rows, team rows) the extras consist of."""
    costed = sum(1 for a in ids if a % EXTRA_COST_EVERY == 0)
    return costed * len(_quarters()), len(ids)


def _quarters() -> list[dt.date]:
    first, last = _data.FIRST_DAY, _data.LAST_DAY
    out, day = [], dt.date(first.year, 2, 15)
    while day <= last:
        out.append(day)
        day = dt.date(day.year + (day.month + 3 > 12), (day.month + 2) % 12 + 1, 15)
    return out


def _ensure_extras(want: bool) -> dict:
    """Cost to serve and owners: present exactly as generated, or absent (--no-extras)."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from kam.accounts.models import AccountTeamMember
    from kam.sales.models import CostToServe

    user_model = get_user_model()
    ids = _account_ids()
    costs, team = _expected_extras(ids) if want else (0, 0)
    if (
        CostToServe.objects.count() == costs
        and AccountTeamMember.objects.count() == team
        and user_model.objects.filter(username__startswith=EXTRA_USER_PREFIX).count()
        == (EXTRA_USERS if want else 0)
    ):
        return {"extras_seconds": None}
    started = time.perf_counter()
    with transaction.atomic():
        CostToServe.objects.all().delete()
        AccountTeamMember.objects.all().delete()
        user_model.objects.filter(username__startswith=EXTRA_USER_PREFIX).delete()
        if want:
            users = user_model.objects.bulk_create(
                [
                    user_model(username=f"{EXTRA_USER_PREFIX}{i:03d}", department="销售部")
                    for i in range(1, EXTRA_USERS + 1)
                ]
            )
            user_ids = sorted(u.pk for u in users)
            AccountTeamMember.objects.bulk_create(
                (
                    AccountTeamMember(
                        account_id=a,
                        user_id=user_ids[a % len(user_ids)],
                        role="kam",
                        department="销售部",
                    )
                    for a in ids
                ),
                batch_size=5000,
            )
            entries = []
            for a in (a for a in ids if a % EXTRA_COST_EVERY == 0):
                for q, day in enumerate(_quarters()):
                    cents = 50_000 + (a * 7_919 + q * 104_729) % 2_000_000
                    entries.append(
                        CostToServe(
                            account_id=a,
                            date=day,
                            category=EXTRA_COST_CATEGORIES[(a + q) % len(EXTRA_COST_CATEGORIES)],
                            amount=Decimal(cents) / 100,
                        )
                    )
            CostToServe.objects.bulk_create(entries, batch_size=5000)
    return {"extras_seconds": time.perf_counter() - started}


def _after_load() -> None:
    """PostgreSQL: what autovacuum would do shortly after a bulk load (statistics, visibility
    map), done now so every run sees the same state. SQLite: nothing (kam runs no ANALYZE)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("sales_orderline", "sales_accountmonth", "accounts_account"):
                cur.execute(f"VACUUM (ANALYZE) {table}")


def worker_prepare(csv: Path, lines: int, fresh: bool, extras: bool) -> dict:
    django_setup()
    from django.core.management import call_command

    from kam.sales import services

    out: dict = {"ready": False}
    if fresh:
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        result = services.import_orders(csv, source=SOURCE)
        out["import_seconds"] = time.perf_counter() - started
        out["import_result"] = {
            k: getattr(result, k)
            for k in ("lines_added", "accounts_created", "months_refreshed", "seconds")
            if hasattr(result, k)
        }
        after = time.perf_counter()
        _after_load()
        out["after_load_seconds"] = time.perf_counter() - after
        out["import_max_rss_mb"] = _max_rss_mb()
    else:
        reason = _loaded_state(csv, lines)
        if reason:
            out["reason"] = reason
            return out
    out |= _ensure_extras(extras)
    if out.get("extras_seconds"):
        _after_load()
    out["ready"] = True
    out["sizes"] = _sizes()
    return out


# ---- (a) and (b), with the profile


def _last_full_year() -> int:
    from django.db.models import Max

    from kam.sales.models import AccountMonth

    last = AccountMonth.objects.aggregate(m=Max("month"))["m"]
    if last is None:
        raise RuntimeError("the rollup is empty")
    return last.year if last.month == 12 else last.year - 1


def _analyze_steps(inputs, period, policy, repeat: int) -> dict:
    """analyze(), step by step as kam.value.analytics.analysis.analyze runs them (keep in
    step with it: the report shows whether the steps add up to the whole)."""

    from kam.value.analytics import analysis as A

    costs, months = inputs.costs, inputs.months
    steps: dict[str, float] = {}

    def step(name, fn):
        seconds, result = _timed(fn, repeat)
        steps[name] = _median(seconds)
        return result

    years = step("years_up_to", lambda: A.frames.years_up_to(months, period.end, inputs.years))
    metrics = step(
        "account_metrics",
        lambda: A.account_metrics(months, costs, period, policy, years=years),
    )
    scores = step("value_scores", lambda: A.value_scores(metrics, policy))
    potentials = step("potential_scores", lambda: A.potential_scores(inputs.potential, policy))
    flags = step(
        "flag_accounts",
        lambda: A.flag_accounts(metrics, months, period, policy, years=years),
    )
    step(
        "assign_tiers",
        lambda: A.assign_tiers(metrics, policy, scores=scores, flags=flags, potential=potentials),
    )
    by_category = step("costs_by_category", lambda: A.costs_by_category(costs, period))
    pnl = step("account_pnl", lambda: A.account_pnl(metrics, by_category))
    step("rankings (4; sorted on first use)", lambda: {n: A.rank_by(metrics, n) for n in A.RANKED})
    step("scorecard", lambda: A.scorecard(scores, potentials, policy))
    step(
        "pareto (revenue, profit)",
        lambda: (
            A.pareto(metrics, "revenue", policy),
            A.pareto(metrics, "gross_profit", policy),
        ),
    )
    step("portfolio_health", lambda: A.portfolio_health(metrics, policy))
    step(
        "health_by_year",
        lambda: A.health_by_year(years, policy),
    )
    step("team_pnl", lambda: A.team_pnl(pnl, inputs.team))
    return steps


def _cold(period, policy, repeat: int) -> dict:
    """What the first analysis after an import or an edit costs: the snapshots rebuilt
    from the database. Each input's database read is timed on its own, then a whole
    run_analysis with no snapshot on disk (median of `repeat`, each after emptying the
    snapshot folder)."""
    import shutil

    from kam.value import loaders, services, snapshot

    out: dict = {"reads": {}}
    reads = {"months": loaders._all_months, "deleted": loaders._deleted_ids}
    reads |= {name: (lambda load=load: load(None)) for name, load in loaders._SMALL_INPUTS.items()}
    for name, read in reads.items():
        seconds, frame = _timed(read, 1)
        out["reads"][name] = {"seconds": seconds[0], "rows": frame.height}

    def rebuild():
        shutil.rmtree(snapshot.directory(), ignore_errors=True)
        snapshot.forget()
        return services.run_analysis(period, policy=policy)

    seconds, _ = _timed(rebuild, max(1, min(repeat, 3)))
    out["runs"] = seconds
    out["seconds"] = _median(seconds)
    out["snapshot_bytes"] = sum(f.stat().st_size for f in snapshot.directory().glob("*.arrow"))
    return out


def worker_analyze(workdir: Path, repeat: int, tag: str, metrics_out: Path | None) -> dict:
    django_setup()
    import polars as pl
    from django.conf import settings
    from django.db import connection

    from kam.value import loaders, portfolio, services, snapshot
    from kam.value.analytics.analysis import analyze
    from kam.value.analytics.periods import Period
    from kam.value.analytics.policy import Policy, TierPolicy, ValuePolicy

    currency = settings.KAM_CURRENCY
    out: dict = {"vendor": connection.vendor, "sizes": _sizes()}
    out["polars_threads"] = pl.thread_pool_size()
    year = _last_full_year()
    period = Period.year(year)
    policy = Policy()
    out["year"] = year
    out["load_average_start"] = _load()

    # (a) one untimed run (it writes the snapshots), then the median of `repeat` runs: the
    # whole analysis from the rollup's columnar copy, as a running kam holds it in memory
    # (kam.value.snapshot keeps the last copy read); no result is kept between runs.
    analysis = services.run_analysis(period, policy=policy)
    seconds, analysis = _timed(lambda: services.run_analysis(period, policy=policy), repeat)
    out["analysis_runs"] = seconds
    out["analysis"] = _median(seconds)

    def from_files():
        snapshot.forget()  # as a new process would: the inputs read from the Arrow files
        return services.run_analysis(period, policy=policy)

    seconds, _ = _timed(from_files, repeat)
    out["from_files_runs"] = seconds
    out["from_files"] = _median(seconds)
    seconds, inputs = _timed(lambda: loaders.load_inputs(None, end=period.end), repeat)
    out["load_runs"] = seconds
    out["load"] = _median(seconds)
    seconds, _ = _timed(
        lambda: analyze(
            inputs.months,
            inputs.costs,
            inputs.accounts,
            inputs.potential,
            inputs.team,
            period,
            policy,
            currency=currency,
            years=inputs.years,
        ),
        repeat,
    )
    out["analyze_runs"] = seconds
    out["analyze"] = _median(seconds)
    # What a page pays once the analysis of this state of the data has been computed.
    portfolio.company(period, policy)
    seconds, _ = _timed(lambda: portfolio.company(period, policy), repeat)
    out["served"] = _median(seconds)
    out["input_rows"] = {
        "months": inputs.months.height,
        "costs": inputs.costs.height,
        "accounts": inputs.accounts.height,
        "potential": inputs.potential.height,
        "team": inputs.team.height,
    }
    out["metrics_rows"] = analysis.metrics.height
    out["flags"] = len(analysis.flags)
    out["tier_counts"] = dict(analysis.tiers.group_by("tier").len().sort("tier").rows())
    out["tier_counts"] = {str(k): v for k, v in out["tier_counts"].items()}

    # (b) what-if re-tiering.
    policies = {
        "absolute thresholds": Policy(tiers=TierPolicy(method="absolute")),
        "other weights, 5 % / 15 %": Policy(
            value=ValuePolicy(weights={"revenue": 0.5, "gross_profit": 0.3, "orders": 0.2}),
            tiers=TierPolicy(diamond_share=0.05, gold_share=0.15),
        ),
    }
    out["what_if"] = {}
    for name, new in policies.items():
        services.preview(analysis, new)  # warm
        seconds, result = _timed(lambda new=new: services.preview(analysis, new), repeat)
        out["what_if"][name] = {
            "seconds": _median(seconds),
            "runs": seconds,
            "moves": result.moves.height,
        }
    out["what_if_worst"] = max(v["seconds"] for v in out["what_if"].values())

    out["steps"] = _analyze_steps(inputs, period, policy, repeat)
    out["cold"] = _cold(period, policy, repeat)
    out["load_average_end"] = _load()
    out["max_rss_mb"] = _max_rss_mb()

    if metrics_out is not None:  # kam's figures, to check the pandas baseline against
        codes = inputs.accounts.select("account_id", "code")
        analysis.metrics.join(codes, on="account_id", how="left").select(
            "code",
            *[pl.col(c).cast(pl.Float64) for c in COMPARED],
        ).write_parquet(metrics_out)
    return out


# ---- (c) pandas


def pandas_metrics(csv: Path, year: int, parts: dict | None = None):
    """Per-customer metrics from the raw export, the way an analyst writes them in pandas."""
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(csv)
    t1 = time.perf_counter()
    df["日期"] = pd.to_datetime(df["日期"])
    df["回款日期"] = pd.to_datetime(df["回款日期"])
    t2 = time.perf_counter()

    sales = df[df["日期"].dt.year == year].copy()
    sales["回款天数"] = (sales["回款日期"] - sales["日期"]).dt.days
    sales["天数x回款"] = sales["回款天数"] * sales["回款金额"]
    m = sales.groupby("客户编码").agg(
        revenue=("金额", "sum"),
        cost=("成本", "sum"),
        discount=("折扣额", "sum"),
        orders=("单据编号", "nunique"),
        lines=("单据编号", "size"),
        paid_amount=("回款金额", "sum"),
        paid_days=("天数x回款", "sum"),
    )
    m["gross_profit"] = m["revenue"] - m["cost"]
    m["days_to_pay"] = m["paid_days"] / m["paid_amount"]
    # cash collected: money received in the year, whenever the goods were ordered
    cash = df[df["回款日期"].dt.year == year].groupby("客户编码")["回款金额"].sum()
    m = m.join(cash.rename("cash_collected"), how="outer")
    t3 = time.perf_counter()
    if parts is not None:
        parts.update(read_csv=t1 - t0, to_datetime=t2 - t1, filter_groupby=t3 - t2)
    return m


def worker_pandas(csv: Path, year: int, out_path: Path | None) -> dict:
    import warnings

    import pandas as pd

    # read_csv warns that 回款日期 mixes types (empty in unpaid lines); the analyst shrugs.
    warnings.simplefilter("ignore", pd.errors.DtypeWarning)

    runs, parts_runs, result = [], [], None
    while True:
        parts: dict = {}
        started = time.perf_counter()
        result = pandas_metrics(csv, year, parts)
        runs.append(time.perf_counter() - started)
        parts_runs.append(parts)
        if runs[0] >= PANDAS_REPEAT_UNDER or len(runs) == 3:
            break
        del result
    out = {
        "seconds": _median(runs),
        "runs": runs,
        "parts": {k: _median([p[k] for p in parts_runs]) for k in parts_runs[0]},
        "customers": len(result),
        "max_rss_mb": _max_rss_mb(),
        "pandas": pd.__version__,
    }
    if out_path is not None:  # through Polars: pandas' to_parquet would need pyarrow
        import polars as pl

        frame = result.reset_index().rename(columns={"客户编码": "code"})
        pl.DataFrame(
            {c: frame[c].tolist() for c in ("code", *COMPARED)},
            schema={"code": pl.String, **dict.fromkeys(COMPARED, pl.Float64)},
        ).write_parquet(out_path)
    return out


# --------------------------------------------------------------------------- parent side


def _sqlite_path(workdir: Path, csv: Path) -> Path:
    return workdir / f"analyze_{csv.stem}.sqlite3"


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        )


def _url(backend: str, workdir: Path, csv: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{_sqlite_path(workdir, csv)}"
    return PG_URL


def _exists(backend: str, workdir: Path, csv: Path) -> bool:
    if backend == "sqlite":
        return _sqlite_path(workdir, csv).exists()
    return _pg_exists()


def _fresh(backend: str, workdir: Path, csv: Path) -> None:
    if backend == "sqlite":
        drop_sqlite(_sqlite_path(workdir, csv))
    else:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}")


def _run(args: list[str], env: dict | None, label: str) -> dict:
    return run_leg(["bench.analyze_bench", *args], env, label)


def _env(backend: str, workdir: Path, csv: Path) -> dict:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="kam.settings",
        DATABASE_URL=_url(backend, workdir, csv),
        DEBUG="false",  # as in production: no query log, no debug cursor
        SECRET_KEY="kam-bench-only-not-a-secret",
        ALLOWED_HOSTS="127.0.0.1",
        KAM_VAR_DIR=str(workdir / "var"),
        CONN_MAX_AGE="0",
    )


def prepare_backend(backend: str, csv: Path, workdir: Path, lines: int, args) -> dict:
    env = _env(backend, workdir, csv)
    common = ["--csv", str(csv), "--lines", str(lines)]
    if args.no_extras:
        common.append("--no-extras")
    state = None
    if _exists(backend, workdir, csv) and not args.reload:
        state = _run(["--worker", "prepare", *common], env, f"{backend} check")
        if state["ready"]:
            print(f"  {backend}: reusing the loaded database", flush=True)
            return state
        print(f"  {backend}: reloading: {state['reason']}", flush=True)
    print(f"  {backend}: loading {lines:,} lines with import_orders …", flush=True)
    _fresh(backend, workdir, csv)
    os.sync()
    state = _run(["--worker", "prepare", "--fresh", *common], env, f"{backend} load")
    print(
        f"    loaded in {state['import_seconds']:.1f} s (import_orders; peak RSS "
        f"{state['import_max_rss_mb']:,.0f} MB); statistics {state['after_load_seconds']:.1f} s",
        flush=True,
    )
    return state


def analyze_backend(backend: str, csv: Path, workdir: Path, args) -> dict:
    env = _env(backend, workdir, csv)
    cmd = ["--worker", "analyze", "--repeat", str(args.repeat), "--tag", backend]
    cmd += ["--workdir", str(workdir)]
    cmd += ["--metrics-out", str(workdir / f"kam-metrics-{backend}.parquet")]
    print(f"  {backend}: timing the analysis (load average {_load():.2f}) …", flush=True)
    return _run(cmd, env, f"{backend} analyze")


def compare(kam_path: Path, pandas_path: Path) -> dict:
    """Customers and column sums where kam and pandas differ (tolerance: a cent)."""
    import polars as pl

    kam = pl.read_parquet(kam_path)
    pdf = pl.read_parquet(pandas_path)
    # pandas leaves customers with no payments at NaN days to pay and sums NaN cost as 0
    joined = pdf.join(kam, on="code", how="full", suffix="_kam", coalesce=True)
    out: dict = {"pandas_customers": pdf.height, "kam_customers_with_activity": 0}
    active = kam.filter((pl.col("lines") > 0) | (pl.col("cash_collected") != 0))
    out["kam_customers_with_activity"] = active.height
    # kam leaves days to pay empty where the net amount paid is not positive (returns
    # refunded exceed payments); pandas divides anyway. Not a difference in the sums.
    refunds = joined.get_column("paid_amount_kam").fill_null(0) <= 0
    out["days_to_pay_undefined"] = int((refunds & (joined.get_column("lines") > 0)).sum())
    mismatches = {}
    for c in COMPARED:
        a = joined.get_column(c).fill_nan(None)
        b = joined.get_column(f"{c}_kam").fill_nan(None)
        if c == "days_to_pay":
            a = pl.select(pl.when(~refunds).then(a)).to_series()
        else:
            a, b = a.fill_null(0), b.fill_null(0)
        tolerance = 1e-6 if c == "days_to_pay" else 0.01
        bad = (a - b).abs() > tolerance + 1e-9 * b.abs()
        bad = bad | (a.is_null() != b.is_null())
        mismatches[c] = int(bad.fill_null(False).sum())
    out["mismatched_customers"] = mismatches
    out["same"] = not any(mismatches.values())
    return out


def _table(heads: tuple, rows: list[tuple]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    for row in (heads, tuple("-" * w for w in widths), *rows):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def _ok(good: bool | None) -> str:
    return "—" if good is None else ("yes" if good else "NO")


def print_report(results: list[dict], pandas: dict | None, data: dict) -> None:
    print()
    print(
        f"export: {data['lines']:,} lines, {data['customers']:,} customers, "
        f"{data['csv_bytes'] / 1e6:,.0f} MB; period: year {data.get('year')}"
    )
    heads = (
        "backend",
        "rollup rows",
        "(a) analysis s",
        "from files s",
        "load s",
        "analyze s",
        "(b) what-if s",
        "(c) pandas s",
        "(c)/(a)",
        f"(a) ≤ {GOAL_ANALYSIS}",
        f"(b) ≤ {GOAL_WHAT_IF}",
        f"≥ {GOAL_RATIO:.0f}×",
    )
    rows = []
    for r in results:
        a = r["analysis"]
        ratio = pandas["seconds"] / a if pandas else None
        r["ratio"] = ratio
        r["goals"] = {
            "analysis": a <= GOAL_ANALYSIS,
            "what_if": r["what_if_worst"] <= GOAL_WHAT_IF,
            "ratio": None if ratio is None else ratio >= GOAL_RATIO,
        }
        rows.append(
            (
                r["backend"],
                f"{r['sizes']['rollup_rows']:,}",
                f"{a:.3f}",
                f"{r['from_files']:.3f}",
                f"{r['load']:.3f}",
                f"{r['analyze']:.3f}",
                f"{r['what_if_worst']:.3f}",
                fmt(pandas and pandas["seconds"], ".1f"),
                fmt(ratio, ".1f"),
                _ok(r["goals"]["analysis"]),
                _ok(r["goals"]["what_if"]),
                _ok(r["goals"]["ratio"]),
            )
        )
    _table(heads, rows)
    print(
        f"\n(a) run_analysis from the rollup's columnar snapshot held in memory, median of "
        f"{data['repeat']}; from files = the same, the snapshots read from disk each run; "
        "load = loaders.load_inputs, analyze = analyze(…) on the loaded frames; (b) the slower of the two what-if "
        "policies; (c) pandas read_csv + groupby, "
        + ("—" if not pandas else f"runs {', '.join(f'{s:.1f}' for s in pandas['runs'])} s")
    )
    for r in results:
        s = r["sizes"]
        print(
            f"\n== {r['backend']}: {s['lines']:,} lines, {s['accounts']:,} accounts, "
            f"{s['rollup_rows']:,} rollup rows ({r['input_rows']['months']:,} up to "
            f"{r['year']}-12), {s['cost_rows']:,} cost-to-serve rows, {s['team_rows']:,} team "
            f"rows; {r['metrics_rows']:,} accounts in the metrics, {r['flags']:,} flags; "
            f"load average {r['load_average_start']:.2f} → {r['load_average_end']:.2f}"
        )
        if r.get("loaded"):
            print(f"   loaded this run: import_orders {r['loaded']['import_seconds']:.1f} s")
        runs = ", ".join(f"{x:.3f}" for x in r["analysis_runs"])
        print(f"   (a) run_analysis {r['analysis']:.3f} s  (runs {runs})")
        runs = ", ".join(f"{x:.3f}" for x in r["from_files_runs"])
        print(f"   (a) from files {r['from_files']:.3f} s  (runs {runs})")
        for name, w in r["what_if"].items():
            print(f"   (b) what-if, {name}: {w['seconds']:.3f} s, {w['moves']:,} accounts move")
        print(
            f"   load_inputs {r['load']:.3f} s (the snapshots); a page once computed: "
            f"portfolio.company {r['served'] * 1000:.1f} ms"
        )
        total = sum(r["steps"].values())
        print(f"   analyze {r['analyze']:.3f} s (steps below sum to {total:.3f} s):")
        for name, seconds in sorted(r["steps"].items(), key=lambda kv: -kv[1]):
            print(f"      {name:<26} {seconds:.3f} s")
        c = r["cold"]
        runs = ", ".join(f"{x:.2f}" for x in c["runs"])
        print(
            f"   first analysis after a change (snapshots rebuilt, "
            f"{c['snapshot_bytes'] / 1e6:,.0f} MB): {c['seconds']:.2f} s (runs {runs}); "
            "database reads:"
        )
        for name, q in c["reads"].items():
            print(f"      {name:<10} {q['seconds']:.3f} s  {q['rows']:>9,} rows")
    if pandas:
        p = pandas["parts"]
        print(
            f"\n== pandas {pandas['pandas']}: {pandas['seconds']:.1f} s (read_csv {p['read_csv']:.1f}"
            f" · to_datetime {p['to_datetime']:.1f} · filter+groupby {p['filter_groupby']:.1f}), "
            f"peak RSS {pandas['max_rss_mb']:,.0f} MB, {pandas['customers']:,} customers"
        )
        for r in results:
            c = r.get("check")
            if c:
                verdict = (
                    "the same figures for every customer"
                    if c["same"]
                    else f"customers with DIFFERENT figures: {c['mismatched_customers']}"
                )
                print(
                    f"   pandas vs kam ({r['backend']}): {verdict} (kam leaves days to pay "
                    f"empty for {c['days_to_pay_undefined']} customers whose net payments are "
                    "≤ 0; pandas divides anyway)"
                )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench.analyze_bench",
        description="Time kam's value analysis (SQLite, PostgreSQL) against a pandas baseline.",
    )
    p.add_argument("--lines", type=int, default=10_000_000, help="order lines (default 10 M)")
    p.add_argument("--customers", type=int, default=100_000, help="customers (default 100,000)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql"
    )
    p.add_argument(
        "--workdir",
        type=Path,
        default=Path("/tmp/kam-bench"),
        help="where the export is cached and the SQLite bench database lives",
    )
    p.add_argument("--repeat", type=int, default=5, help="timed runs; medians are reported")
    p.add_argument("--reload", action="store_true", help="reload the bench databases")
    p.add_argument("--no-extras", action="store_true", help="no cost to serve and no team members")
    p.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--worker", choices=("prepare", "analyze", "pandas"), help=argparse.SUPPRESS)
    p.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--tag", default="", help=argparse.SUPPRESS)
    p.add_argument("--year", type=int, help=argparse.SUPPRESS)
    p.add_argument("--metrics-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.lines < 1 or args.customers < 1:
        p.error("--lines and --customers must be positive")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            p.error(f"unknown backend {b!r}; choose from {', '.join(BACKENDS)}")
    args.backends = backends
    args.repeat = max(1, args.repeat)
    return args


def run_worker(args: argparse.Namespace) -> None:
    if args.worker == "prepare":
        out = worker_prepare(args.csv, args.lines, args.fresh, extras=not args.no_extras)
    elif args.worker == "analyze":
        out = worker_analyze(args.workdir.resolve(), args.repeat, args.tag, args.metrics_out)
    else:
        out = worker_pandas(args.csv, args.year, args.metrics_out)
    print(RESULT_MARK + json.dumps(out, default=str), flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    csv, generated = _data.ensure_export(workdir, args.lines, args.customers, args.seed)
    size = csv.stat().st_size
    print(
        f"export: {csv} ({size / 1e6:,.0f} MB, {args.lines:,} lines, ~{args.customers:,} "
        "customers), "
        + (f"generated in {time.perf_counter() - started:.1f} s" if generated else "cached"),
        flush=True,
    )
    results = []
    for backend in args.backends:
        state = prepare_backend(backend, csv, workdir, args.lines, args)
        result = analyze_backend(backend, csv, workdir, args)
        result["backend"] = backend
        if "import_seconds" in state:
            result["loaded"] = {k: v for k, v in state.items() if k != "sizes"}
        results.append(result)
        print(
            f"    (a) {result['analysis']:.3f} s (load {result['load']:.3f} + analyze "
            f"{result['analyze']:.3f}), (b) {result['what_if_worst']:.3f} s",
            flush=True,
        )
    year = results[0]["year"] if results else _data.LAST_DAY.year
    pandas = None
    if not args.no_pandas:
        print(f"  pandas: read_csv + groupby for {year} (load average {_load():.2f}) …", flush=True)
        pandas_out = workdir / "pandas-metrics.parquet"
        pandas = _run(
            [
                "--worker",
                "pandas",
                "--csv",
                str(csv),
                "--year",
                str(year),
                "--metrics-out",
                str(pandas_out),
            ],
            None,
            "pandas",
        )
        print(f"    {pandas['seconds']:.1f} s", flush=True)
        for r in results:
            kam_out = workdir / f"kam-metrics-{r['backend']}.parquet"
            r["check"] = compare(kam_out, pandas_out)
    data = {
        "lines": args.lines,
        "customers": args.customers,
        "csv_bytes": size,
        "year": year,
        "repeat": args.repeat,
    }
    print_report(results, pandas, data)
    if args.json:
        doc = {
            "benchmark": "analyze",
            "goals": {
                "analysis_seconds": GOAL_ANALYSIS,
                "what_if_seconds": GOAL_WHAT_IF,
                "pandas_ratio": GOAL_RATIO,
            },
            "lines": args.lines,
            "customers": args.customers,
            "seed": args.seed,
            "csv": str(csv),
            "csv_bytes": size,
            "extras": not args.no_extras,
            "year": year,
            "repeat": args.repeat,
            "versions": versions(),
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "results": results,
            "pandas": pandas,
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
