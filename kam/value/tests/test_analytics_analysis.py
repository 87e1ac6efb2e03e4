"""`analyze` runs everything in one call; `to_json` has the agreed shape."""

import json
import re
from decimal import Decimal

import polars as pl
import pytest

from kam.value.analytics import Analysis, analyze, frames, to_json
from kam.value.analytics.flags import GROUP_BUY, LOW_PROFIT_VOLUME
from kam.value.tests.test_analytics_flags import YEAR, portfolio

MONEY = re.compile(r"^-?\d+\.\d\d$")
ACCOUNT_KEYS = {
    "code",
    "name",
    "revenue",
    "cost",
    "gross_profit",
    "orders",
    "active_months",
    "cash_collected",
    "days_to_pay",
    "cost_to_serve",
    "net_contribution",
    "uncosted_revenue",
    "uncosted_share",
    "score",
    "score_metrics",
    "tier",
    "flags",
}


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    month_rows, cost_rows = portfolio()
    months = frames.months_frame(month_rows)
    ids = months.get_column("account_id").unique().sort().to_list()
    accounts = frames.accounts_frame(
        [{"account_id": i, "code": f"C{i:05d}", "name": f"客户{i}"} for i in ids]
    )
    potential = frames.potential_frame(
        [{"account_id": 101, "wallet": 5_000_000, "share": 0.02, "growth_outlook": 5}]
    )
    team = frames.team_frame(
        [{"account_id": i, "user_id": 7, "department": "销售部", "role": "kam"} for i in ids]
    )
    return analyze(months, frames.costs_frame(cost_rows), accounts, potential, team, YEAR)


def test_everything_is_there(analysis):
    assert analysis.metrics.height == analysis.tiers.height == analysis.pnl.height
    assert set(analysis.rankings) == {"revenue", "gross_profit", "cash_collected", "orders"}
    assert analysis.rankings["revenue"].row(0, named=True)["account_id"] == 1
    assert {f.kind for f in analysis.flags} >= {GROUP_BUY, LOW_PROFIT_VOLUME}
    assert analysis.scorecard.filter(pl.col("account_id") == 101).item(0, "quadrant") == (
        "invest_to_grow"
    )
    assert analysis.health_by_year.get_column("year").to_list() == [2023, 2024, 2025]
    # one person on every account: the team P&L is the company's
    assert analysis.team_pnl.by_user.item(0, "revenue") == analysis.metrics["revenue"].sum()


def test_flagged_accounts_are_capped(analysis):
    tiers = {r["account_id"]: r for r in analysis.tiers.iter_rows(named=True)}
    # the 5%-margin heavy buyer would be gold on its numbers; the flag keeps it out
    assert tiers[4]["uncapped_tier"] in ("diamond", "gold")
    assert str(tiers[4]["tier"]) == "ordinary"
    assert tiers[4]["capped_by_flags"] == [LOW_PROFIT_VOLUME]
    assert str(tiers[1]["tier"]) == "diamond"


def test_json_shape(analysis):
    data = to_json(analysis)
    json.dumps(data, ensure_ascii=False)  # serialisable as it is
    assert (data["period"]["from"], data["period"]["to"]) == ("2025-01-01", "2025-12-31")
    assert data["period"]["previous"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert data["currency"] == "CNY"
    assert set(data["pareto"]) == {"top20_revenue_share", "top20_profit_share"}
    assert {"top10_revenue_share", "meets_minimum"} <= set(data["health"])
    assert isinstance(data["pareto"]["top20_revenue_share"], float)
    assert isinstance(data["health"]["meets_minimum"], bool)
    accounts = data["accounts"]
    assert len(accounts) == analysis.metrics.height
    for entry in accounts:
        assert set(entry) >= ACCOUNT_KEYS
        for key in ("revenue", "cost", "gross_profit", "cash_collected", "cost_to_serve"):
            assert MONEY.match(entry[key]), (key, entry[key])
        assert MONEY.match(entry["net_contribution"])
    revenues = [Decimal(a["revenue"]) for a in accounts]
    assert revenues == sorted(revenues, reverse=True)


def test_json_account_entries(analysis):
    accounts = {a["code"]: a for a in to_json(analysis)["accounts"]}
    genuine = accounts["C00001"]
    assert genuine["name"] == "客户1"
    assert genuine["revenue"] == "11640000.00"  # 970,000 × 12
    assert genuine["orders"] == 48
    assert genuine["active_months"] == 12
    assert genuine["days_to_pay"] == pytest.approx(35.0)
    assert genuine["tier"] == "diamond"
    assert genuine["flags"] == []
    group = accounts["C00002"]
    assert [f["kind"] for f in group["flags"]] == [GROUP_BUY]
    evidence = group["flags"][0]["evidence"]
    assert {"metric", "value", "threshold", "op"} == set(evidence[0])
    assert group["flags"][0]["summary"]


def test_analyze_without_optional_inputs():
    month_rows, _costs = portfolio()
    result = analyze(frames.months_frame(month_rows), None, None, None, None, YEAR)
    data = to_json(result)
    assert data["accounts"][0]["code"] is None  # no account names given
    assert result.team_pnl.by_user.is_empty()
    assert result.scorecard.get_column("quadrant").unique().to_list() == ["not_assessed"]
