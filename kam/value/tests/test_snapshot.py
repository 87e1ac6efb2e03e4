"""The analysis reads the rollup from a columnar snapshot and a process cache; neither may
ever show figures older than the data."""

from decimal import Decimal

import pytest
from django.db import transaction

from kam.core import versions
from kam.sales.services import import_orders
from kam.value import portfolio, services, snapshot
from kam.value.analytics.periods import Period

HEADER = "客户编码,客户名称,单据编号,日期,金额,成本"
YEAR = Period.year(2025)


def _import(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    return import_orders(path)


def _revenue(analysis, code):
    ids = analysis.accounts.filter(code=code).get_column("account_id")
    row = analysis.metrics.filter(account_id=ids[0])
    return row.get_column("revenue")[0]


@pytest.fixture
def sales(db, tmp_path):
    _import(
        tmp_path, "a.csv", ["K1,甲公司,A-1,2025-03-01,1000,600", "K2,乙公司,A-2,2025-04-01,500,300"]
    )


def test_an_import_after_an_analysis_is_in_the_next_analysis(sales, tmp_path):
    first = portfolio.run_analysis(YEAR)
    stamp = versions.stamps()[versions.ROLLUP]
    assert snapshot.path_for("rollup", stamp).exists()
    assert _revenue(first, "K1") == Decimal("1000.00")

    _import(tmp_path, "b.csv", ["K1,甲公司,B-1,2025-05-01,250,100"])

    assert versions.stamps()[versions.ROLLUP] != stamp
    assert _revenue(portfolio.run_analysis(YEAR), "K1") == Decimal("1250.00")
    assert not snapshot.path_for(
        "rollup", stamp
    ).exists()  # the stale copy made way for the new one


def test_the_snapshot_holds_what_the_database_holds(sales):
    portfolio.run_analysis(YEAR)
    from kam.value import loaders

    stored = loaders._all_months()
    read = snapshot.rollup_months(lambda: pytest.fail("the snapshot should have been read"))
    assert read.equals(stored)


def test_the_cached_analysis_is_reused_until_an_input_changes(sales, boss):
    first = portfolio.company(YEAR)
    assert portfolio.company(YEAR) is first
    account = first.analysis.accounts.filter(code="K2").get_column("account_id")[0]
    from kam.accounts.models import Account

    services.override_tier(Account.objects.get(pk=account), "gold", reason="strategic", by=boss)
    again = portfolio.company(YEAR)
    assert again is not first
    tiers = again.analysis.tiers.filter(account_id=account)
    assert tiers.get_column("tier")[0] == "gold"
    assert tiers.get_column("overridden")[0] is True


def test_a_rolled_back_write_brings_back_the_previous_stamp(sales):
    before = versions.stamps()
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.bump(versions.ROLLUP, versions.VALUE)
        assert versions.stamps() != before
        raise RuntimeError("undo")
    assert versions.stamps() == before


def test_a_kam_sees_company_figures_of_their_accounts_only(sales, owner_kam, boss):
    from kam.accounts.models import Account

    k1 = Account.objects.get(code="K1")
    from kam.accounts import services as account_services

    account_services.change_owner(k1, owner_kam, by=boss)
    company = portfolio.analysis_for(boss, YEAR)
    mine = portfolio.analysis_for(owner_kam, YEAR)
    assert set(mine.metrics.get_column("account_id")) == {k1.pk}
    assert (
        mine.tiers.row(0, named=True)["tier"]
        == (company.tiers.filter(account_id=k1.pk).row(0, named=True)["tier"])
    )
    assert mine.health.revenue == Decimal("1000.00")  # their portfolio, not the company's
    assert company.health.revenue == Decimal("1500.00")
    assert portfolio.analysis_for(None, YEAR).metrics.height == 0


def test_a_new_account_is_seen_without_rebuilding_the_rollup_copy(sales):
    from kam.accounts import services as account_services

    portfolio.run_analysis(YEAR)
    rollup = snapshot.path_for("rollup", versions.stamps()[versions.ROLLUP])
    built = rollup.stat().st_mtime_ns
    account_services.create_account(name="丙公司", code="K3")
    analysis = portfolio.run_analysis(YEAR)
    assert "K3" in analysis.accounts.get_column("code").to_list()
    assert rollup.stat().st_mtime_ns == built


def test_a_kam_joining_a_team_sees_the_account_on_the_next_page(sales, owner_kam, boss):
    from kam.accounts import services as account_services
    from kam.accounts.choices import TeamRole
    from kam.accounts.models import Account

    before = portfolio.analysis_for(owner_kam, YEAR)
    assert portfolio.analysis_for(owner_kam, YEAR) is before  # kept between pages
    k2 = Account.objects.get(code="K2")
    account_services.add_team_member(k2, owner_kam, TeamRole.TECHNICAL_LEAD)
    after = portfolio.analysis_for(owner_kam, YEAR)
    assert k2.pk in after.metrics.get_column("account_id").to_list()
    assert k2.pk not in before.metrics.get_column("account_id").to_list()


def test_a_snapshot_written_by_an_older_kam_is_rebuilt(sales):
    import polars as pl

    portfolio.run_analysis(YEAR)
    stamp = versions.stamps()[versions.ROLLUP]
    path = snapshot.path_for("years", stamp)
    pl.DataFrame({"account_id": [1], "year": [2025]}).write_ipc(path)  # an old layout
    snapshot.forget()  # as in a new process
    assert _revenue(portfolio.run_analysis(YEAR), "K1") == Decimal("1000.00")
    assert "biggest_revenue" in pl.read_ipc(path).columns


def test_every_snapshot_is_read_back_without_touching_the_database(sales):
    from kam.value import loaders

    portfolio.run_analysis(YEAR)
    for name, schema in loaders._SCHEMAS.items():
        frame = snapshot.cached(
            name, (versions.VALUE,), lambda name=name: pytest.fail(f"{name} rebuilt"), schema
        )
        assert frame.schema == dict(schema)


def test_an_import_from_the_command_line_prepares_the_snapshots(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    """The import announces itself on commit (kam.sales.signals); value queues the rebuild
    of its snapshots for the worker, which writes them."""
    import io

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from kam.value.tasks import refresh_snapshots

    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\nK9,丁公司,C-1,2025-03-01,100,60\n", encoding="utf-8")
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "orders", str(path), "--as", "director", stdout=out)
    queued = DBTaskResult.objects.get(task_path=refresh_snapshots.module_path)
    queued.task.call()  # what `kam worker` does with it
    assert snapshot.path_for("rollup", versions.stamps()[versions.ROLLUP]).exists()
    assert snapshot.path_for("years", versions.stamps()[versions.ROLLUP]).exists()
