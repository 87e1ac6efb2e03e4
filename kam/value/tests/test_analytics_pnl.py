"""Account P&L and team P&L with shared credit (M1.7)."""

from decimal import Decimal

import polars as pl
import pytest

from kam.value.analytics import frames
from kam.value.analytics.metrics import account_metrics
from kam.value.analytics.pnl import account_pnl, costs_by_category, team_pnl, waterfall
from kam.value.tests.test_analytics_metrics import YEAR, ledger

D = Decimal


@pytest.fixture(scope="module")
def pnl():
    months, costs = ledger()
    metrics = account_metrics(months, costs, YEAR)
    return account_pnl(metrics, costs_by_category(costs, YEAR))


def rows(frame: pl.DataFrame, key: str) -> dict:
    return {row[key]: row for row in frame.iter_rows(named=True)}


def test_account_pnl_by_hand(pnl):
    steady = rows(pnl, "account_id")[1]
    assert steady == {
        "account_id": 1,
        "list_revenue": D("5500.00"),  # 5,000 + 500 discount
        "discount": D("500.00"),
        "revenue": D("5000.00"),
        "cost_of_goods": D("3300.00"),
        "gross_profit": D("1700.00"),
        "cts_freight": D("50.50"),
        "cts_samples": D("0.00"),
        "cts_visits": D("100.00"),
        "cost_to_serve": D("150.50"),
        "financing_cost": D("79.75"),
        "net_contribution": D("1469.75"),  # 1,700 − 150.50 − 79.75
    }


def test_categories_add_up_to_cost_to_serve(pnl):
    categories = [c for c in pnl.columns if c.startswith("cts_")]
    totals = pnl.select(pl.sum_horizontal(categories).alias("sum"), "cost_to_serve")
    assert (
        totals.get_column("sum")
        .cast(frames.MONEY)
        .equals(totals.get_column("cost_to_serve"), check_names=False)
    )


def test_waterfall_steps(pnl):
    steps = waterfall(rows(pnl, "account_id")[1])
    assert [(s["step"], s["kind"]) for s in steps] == [
        ("list_revenue", "total"),
        ("discount", "minus"),
        ("revenue", "total"),
        ("cost_of_goods", "minus"),
        ("gross_profit", "total"),
        ("cts_freight", "minus"),
        ("cts_samples", "minus"),
        ("cts_visits", "minus"),
        ("financing_cost", "minus"),
        ("net_contribution", "total"),
    ]
    # every total is the previous total less the drops in between
    running = D(0)
    for step in steps:
        if step["kind"] == "total":
            if step["step"] != "list_revenue":
                assert step["amount"] == running
            running = step["amount"]
        else:
            running -= step["amount"]
    assert steps[5]["label"] == "freight"


def test_team_pnl_gives_shared_credit(pnl):
    team = frames.team_frame(
        [
            {"account_id": 1, "user_id": 10, "department": "销售部", "role": "kam"},
            {"account_id": 1, "user_id": 10, "department": "销售部", "role": "other"},
            {"account_id": 3, "user_id": 10, "department": "销售部", "role": "kam"},
            {"account_id": 1, "user_id": 11, "department": "技术部", "role": "technical_lead"},
            {"account_id": 3, "user_id": 12, "department": "", "role": "finance"},
        ]
    )
    result = team_pnl(pnl, team)
    users = rows(result.by_user, "user_id")
    # user 10: accounts 1 and 3, the two roles on 1 count once
    assert users[10]["accounts"] == 2
    assert users[10]["revenue"] == D("5000.00")
    assert users[10]["net_contribution"] == D("1448.00")  # 1,469.75 − 21.75
    # user 11 gets account 1 in full as well: shared credit
    assert users[11]["revenue"] == D("5000.00")
    assert users[12]["net_contribution"] == D("-21.75")
    total = result.by_user.get_column("revenue").sum()
    assert total == D("10000.00")  # twice the company's 5,000, on purpose
    departments = rows(result.by_department, "department")
    assert sorted(departments) == ["技术部", "销售部"]  # blank department left out
    assert departments["销售部"]["accounts"] == 2
    assert departments["技术部"]["net_contribution"] == D("1469.75")


def test_no_team_no_rows(pnl):
    result = team_pnl(pnl, None)
    assert result.by_user.is_empty() and result.by_department.is_empty()


def test_no_costs_no_category_columns():
    months, _costs = ledger()
    metrics = account_metrics(months, None, YEAR)
    pnl = account_pnl(metrics, costs_by_category(frames.costs_frame(), YEAR))
    assert not [c for c in pnl.columns if c.startswith("cts_")]
    assert pnl.height == metrics.height
