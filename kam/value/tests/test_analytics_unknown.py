"""Unknown is not zero: figures whose input the data lacks (cost, payment data) stay null
through metrics, scores, tiers, Pareto, P&L and JSON, and never count as 0."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from kam.value.analytics import frames
from kam.value.analytics.analysis import analyze, to_json
from kam.value.analytics.metrics import account_metrics, known_sum
from kam.value.analytics.pareto import pareto
from kam.value.analytics.periods import Period
from kam.value.analytics.pnl import account_pnl, costs_by_category, team_pnl, waterfall
from kam.value.analytics.policy import Policy, ValuePolicy
from kam.value.analytics.tiers import assign_tiers, score_basis, value_scores

D = Decimal
YEAR = Period.year(2011)
UNKNOWN_WITHOUT_COST = ("cost", "gross_profit", "gross_margin", "net_contribution")
UNKNOWN_WITHOUT_PAYMENTS = (
    "cash_collected",
    "receivables",
    "average_receivables",
    "financing_cost",
    "net_contribution",
)


def export_without_cost_or_payments(revenues: dict[int, int], orders: dict[int, int]):
    """What a file like the Online Retail export gives: every line uncosted and without
    payment columns (tracked_revenue 0), some accounts big, some buying often."""
    rows = []
    for account, revenue in revenues.items():
        rows.append(
            {
                "account_id": account,
                "month": date(2011, 3, 1),
                "revenue": revenue,
                "uncosted_revenue": revenue,
                "tracked_revenue": 0,
                "orders": orders[account],
                "lines": orders[account],
            }
        )
    return frames.months_frame(rows)


REVENUES = {1: 90_000, 2: 50_000, 3: 20_000, 4: 5_000, 5: 1_000}
ORDERS = {1: 1, 2: 8, 3: 20, 4: 3, 5: 2}


def by_account(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["account_id"]: row for row in frame.iter_rows(named=True)}


def test_a_file_without_cost_or_payments_gives_unknown_not_zero():
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    metrics = by_account(account_metrics(months, None, YEAR))
    biggest = metrics[1]
    assert biggest["revenue"] == D("90000.00")
    for name in (*UNKNOWN_WITHOUT_COST, *UNKNOWN_WITHOUT_PAYMENTS):
        assert biggest[name] is None, name  # not ¥0 cost, 100% margin, "0.00" owed
    assert biggest["uncosted_revenue"] == D("90000.00")
    assert biggest["uncosted_share"] == pytest.approx(1.0)


def test_part_of_the_revenue_without_cost_makes_the_margin_unknown():
    """A margin on the costed part would rank the account on a sample nobody chose."""
    months = frames.months_frame(
        [
            {"account_id": 1, "month": date(2011, 1, 1), "revenue": 1000, "cost": 600},
            {
                "account_id": 1,
                "month": date(2011, 2, 1),
                "revenue": 500,
                "uncosted_revenue": 500,
            },
            {"account_id": 2, "month": date(2011, 2, 1), "revenue": 800, "cost": 200},
        ]
    )
    metrics = by_account(account_metrics(months, None, YEAR))
    assert metrics[1]["gross_profit"] is None and metrics[1]["gross_margin"] is None
    assert metrics[1]["uncosted_revenue"] == D("500.00")
    assert metrics[1]["uncosted_share"] == pytest.approx(1 / 3)
    # payments are known (the ledger tracks them: nothing paid yet), only cost is not
    assert metrics[1]["financing_cost"] > 0 and metrics[1]["net_contribution"] is None
    assert metrics[2]["gross_profit"] == D("600.00")
    assert metrics[2]["gross_margin"] == pytest.approx(0.75)
    assert metrics[2]["net_contribution"] == D("600.00") - metrics[2]["financing_cost"]


def test_revenue_without_payment_data_leaves_cash_and_receivables_unknown():
    months = frames.months_frame(
        [
            # cost known, but the export had no payment columns
            {
                "account_id": 1,
                "month": date(2011, 5, 1),
                "revenue": 1000,
                "cost": 700,
                "tracked_revenue": 0,
            },
            # an account that never bought owes nothing: its zero is known
        ]
    )
    costs = frames.costs_frame(
        [{"account_id": 2, "month": date(2011, 6, 1), "category": "visits", "amount": "50"}]
    )
    metrics = by_account(account_metrics(months, costs, YEAR))
    assert metrics[1]["gross_profit"] == D("300.00")
    for name in UNKNOWN_WITHOUT_PAYMENTS:
        assert metrics[1][name] is None, name
    assert metrics[2]["receivables"] == D("0.00")
    assert metrics[2]["net_contribution"] == D("-50.00")


def test_scores_use_the_known_metrics_and_say_which():
    """Without cost or payments for anybody, every score is the revenue-and-orders score:
    the same as a policy weighting only those, renormalised."""
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    metrics = account_metrics(months, None, YEAR)
    scores = value_scores(metrics)
    known_only = ValuePolicy(weights={"revenue": 0.3, "orders": 0.1})
    expected = value_scores(metrics, Policy(value=known_only))
    assert scores.get_column("score").to_list() == pytest.approx(
        expected.get_column("score").to_list()
    )
    assert set(scores.get_column("score_metrics").explode().to_list()) == {"revenue", "orders"}
    missing = score_basis(scores)
    assert missing == dict.fromkeys(["gross_profit", "cash_collected", "net_contribution"], 5)


def test_tiers_are_not_decided_by_a_cost_of_zero():
    """Read as zero cost, the biggest account would top profit too and be diamond by a
    wide margin; known metrics only, it is the frequent buyer that leads on orders."""
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    metrics = account_metrics(months, None, YEAR)
    tiers = assign_tiers(metrics)
    as_zero = metrics.with_columns(
        cost=pl.lit(D("0.00")),
        gross_profit=pl.col("revenue"),
        cash_collected=pl.lit(D("0.00")),
        net_contribution=pl.col("revenue"),
    )
    scores = by_account(tiers)
    zero_scores = by_account(assign_tiers(as_zero))
    assert scores[1]["score"] < zero_scores[1]["score"]
    assert scores[1]["score_metrics"] == ["revenue", "orders"]


def test_an_account_lacking_a_metric_is_scored_on_the_rest():
    """Per account: a partly uncosted account is neither dragged down by an unknown gross
    profit nor lifted; its score is the renormalised one over what it has."""
    months = frames.months_frame(
        [
            {"account_id": 1, "month": date(2011, 1, 1), "revenue": 300, "cost": 290},
            {"account_id": 2, "month": date(2011, 1, 1), "revenue": 200, "cost": 100},
            {
                "account_id": 3,
                "month": date(2011, 1, 1),
                "revenue": 100,
                "uncosted_revenue": 100,
            },
        ]
    )
    scores = by_account(value_scores(account_metrics(months, None, YEAR)))
    assert scores[3]["score_metrics"] == ["revenue", "cash_collected", "orders"]
    assert "gross_profit" in scores[1]["score_metrics"]
    assert scores[3]["score"] is not None


def test_known_sum_does_not_skip_nulls():
    frame = pl.DataFrame({"x": [D("1.00"), None, D("2.00")]}, schema={"x": frames.MONEY})
    assert frame.select(pl.col("x").sum()).item() == D("3.00")  # what Polars does
    assert frame.select(known_sum(pl.col("x"))).item() is None
    assert frame.drop_nulls().select(known_sum(pl.col("x"))).item() == D("3.00")


def test_profit_pareto_and_team_pnl_are_unknown_with_an_uncosted_account():
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    metrics = account_metrics(months, None, YEAR)
    profit = pareto(metrics, "gross_profit")
    assert profit.top_value_share is None and profit.total is None and profit.curve.is_empty()
    assert pareto(metrics, "revenue").top_value_share is not None
    costs = frames.empty(frames.COSTS)
    pnl = account_pnl(metrics, costs_by_category(costs, YEAR))
    team = frames.team_frame([{"account_id": 1, "user_id": 7, "department": "", "role": "owner"}])
    row = team_pnl(pnl, team).by_user.row(0, named=True)
    assert row["revenue"] == D("90000.00") and row["gross_profit"] is None
    steps = {step["step"]: step["amount"] for step in waterfall(by_account(pnl)[1])}
    assert steps["revenue"] == D("90000.00") and steps["gross_profit"] is None


def test_json_gives_null_and_the_uncosted_revenue():
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    accounts = frames.accounts_frame(
        [{"account_id": a, "code": f"C{a}", "name": f"客户{a}"} for a in REVENUES]
    )
    data = to_json(analyze(months, None, accounts, None, None, YEAR))
    first = data["accounts"][0]
    assert first["code"] == "C1"
    for key in ("cost", "gross_profit", "gross_margin", "net_contribution", "receivables"):
        assert first[key] is None, key
    assert first["uncosted_revenue"] == "90000.00"
    assert first["score_metrics"] == ["revenue", "orders"]
    assert data["unknown"]["uncosted_revenue"] == data["unknown"]["revenue"] == "166000.00"
    assert data["pareto"]["top20_profit_share"] is None


def test_score_metrics_are_the_same_with_many_weights():
    """Beyond ten weighted metrics the lists are built per row instead of looked up."""
    months = export_without_cost_or_payments(REVENUES, ORDERS)
    metrics = account_metrics(months, None, YEAR)
    extra = [
        "discount",
        "quantity",
        "lines",
        "return_amount",
        "active_months",
        "annualised_revenue",
    ]
    weights = dict.fromkeys(["revenue", "gross_profit", "cash_collected", "orders", *extra], 1.0)
    many = value_scores(metrics, Policy(value=ValuePolicy(weights=weights)))
    assert many.get_column("score_metrics").to_list()[0] == ["revenue", "orders", *extra]
