"""SQLite imports plan without the lock and write in one short transaction: the plan is
checked against what others wrote in between, and redone when it no longer holds."""

import pytest
from django.db import connection, transaction

from kam.accounts import services as account_services
from kam.accounts.models import Account
from kam.core import versions
from kam.sales.importing import writer
from kam.sales.models import OrderLine
from kam.sales.services import check_orders, import_orders
from kam.sales.tests.test_import import GOOD, write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the staged path is SQLite's"),
]


def planned(path):
    lines = check_orders(path).prepared.lines
    return writer.plan_import(lines, "erp", versions.stamps()[versions.ROLLUP])


def test_a_plan_names_the_accounts_to_create_by_placeholder_and_writes_nothing(tmp_path):
    plan = planned(write_csv(tmp_path, GOOD))
    assert sorted(plan.by_code.values()) == [-2, -1]
    assert plan.diff.new.height == 3
    assert not Account.objects.exists() and not OrderLine.objects.exists()


def test_an_account_created_after_the_plan_takes_the_placeholders_lines(tmp_path):
    """Someone creates one of the file's customers meanwhile: the import uses that account
    (a placeholder stands for whatever account the customer has when the lock is taken)."""
    plan = planned(write_csv(tmp_path, GOOD))
    c001 = account_services.create_account(name="华东钢铁集团", code="C001")
    with writer.staged(plan), transaction.atomic():
        diff, created = writer.apply_plan(plan, source="erp", batch_id=None, stamp=plan.stamp)
    assert created == ["南方制药"]
    assert OrderLine.objects.filter(account=c001).count() == 2
    assert set(diff.new.get_column("account_id")) == set(
        Account.objects.values_list("id", flat=True)
    )


def test_an_account_found_by_the_plan_and_changed_since_makes_it_stale(tmp_path):
    c001 = account_services.create_account(name="华东钢铁集团", code="C001")
    plan = planned(write_csv(tmp_path, GOOD))
    assert plan.by_code["C001"] == c001.pk
    Account.objects.filter(pk=c001.pk).update(code="C009")  # recoded meanwhile
    with writer.staged(plan), transaction.atomic(), pytest.raises(writer.StalePlan):
        writer.apply_plan(plan, source="erp", batch_id=None, stamp=plan.stamp)


def test_lines_written_after_the_plan_make_it_stale(tmp_path):
    plan = planned(write_csv(tmp_path, GOOD))
    with writer.staged(plan), transaction.atomic(), pytest.raises(writer.StalePlan):
        writer.apply_plan(plan, source="erp", batch_id=None, stamp="another import's stamp")


def test_an_import_whose_plan_went_stale_still_writes_the_right_lines(tmp_path, monkeypatch):
    """Between the plan and the lock the same lines are imported by another run: the import
    works the diff out again inside its transaction and adds nothing twice."""
    plan_import = writer.plan_import
    path = write_csv(tmp_path, GOOD)

    def plan_then_another_import(*args, **kwargs):
        plan = plan_import(*args, **kwargs)
        monkeypatch.setattr(writer, "plan_import", plan_import)
        import_orders(path)  # the other run, committed while this one planned
        return plan

    monkeypatch.setattr(writer, "plan_import", plan_then_another_import)
    result = import_orders(path)
    assert (result.lines_added, result.lines_unchanged) == (0, 3)
    assert result.accounts_created == []
    assert OrderLine.objects.count() == 3
    assert Account.objects.filter(code="C001").count() == 1


def test_the_staged_import_reports_how_long_it_held_the_lock(tmp_path):
    result = import_orders(write_csv(tmp_path, GOOD))
    assert result.locked_seconds is not None and result.locked_seconds < result.seconds
    again = import_orders(write_csv(tmp_path, GOOD))
    assert (again.lines_added, again.lines_unchanged) == (0, 3)


def test_a_dry_run_counts_like_an_import_and_writes_nothing(tmp_path):
    result = import_orders(write_csv(tmp_path, GOOD), dry_run=True)
    assert (result.lines_added, len(result.accounts_created)) == (3, 2)
    assert result.batch_id is None and result.locked_seconds is not None
    assert not OrderLine.objects.exists() and not Account.objects.exists()
