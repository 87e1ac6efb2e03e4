"""Dashboard and what-if figures from an analysis, without a database."""

import dataclasses
import json
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from kam.value import charts
from kam.value.analytics import Analysis, analyze, frames
from kam.value.analytics.flags import GROUP_BUY, LOW_PROFIT_VOLUME
from kam.value.analytics.periods import Period
from kam.value.analytics.policy import Policy, TierPolicy
from kam.value.analytics.tiers import what_if
from kam.value.tests.test_analytics_flags import portfolio


def run(period: Period) -> Analysis:
    month_rows, cost_rows = portfolio()
    months = frames.months_frame(month_rows)
    ids = months.get_column("account_id").unique().sort().to_list()
    accounts = frames.accounts_frame(
        [
            {"account_id": i, "code": f"C{i:05d}", "name": f"客户{i}", "owner_id": 70 + i % 2}
            for i in ids
        ]
    )
    return analyze(months, frames.costs_frame(cost_rows), accounts, None, None, period)


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return run(Period.year(2025))


@pytest.fixture(scope="module")
def previous() -> Analysis:
    return run(Period.year(2024))


def query(link: str) -> dict[str, list[str]]:
    parts = urlsplit(link)
    assert parts.path == "/customers/"
    return parse_qs(parts.query)


def as_json(option: dict) -> dict:
    """What the page embeds: the option must survive json_script's encoder unchanged."""
    return json.loads(json.dumps(option, cls=DjangoJSONEncoder))


def test_list_links_carry_the_period():
    assert query(charts.list_link(Period.year(2025), tier="gold")) == {
        "tier": ["gold"],
        "period": ["2025"],
    }
    assert query(charts.list_link(Period.quarter(2025, 2), flag="squeezer")) == {
        "flag": ["squeezer"],
        "period": ["2025-Q2"],
    }


def test_headline_adds_up_the_accounts(analysis):
    head = charts.headline(analysis)
    assert head.revenue == analysis.metrics["revenue"].sum()
    assert head.net_contribution == analysis.metrics["net_contribution"].sum()
    assert head.buyers == analysis.metrics.filter(pl.col("revenue") > 0).height
    bought = sorted((float(r) for r in analysis.metrics["revenue"] if r > 0), reverse=True)
    assert head.top_share == pytest.approx(sum(bought[:10]) / sum(bought))
    assert head.meets_minimum is (head.top_share >= 0.5)


def test_tier_summary_counts_every_account_once_diamond_first(analysis):
    rows = charts.tier_summary(analysis)
    assert [r["tier"] for r in rows] == ["diamond", "gold", "strategic", "ordinary", "none"]
    assert sum(r["accounts"] for r in rows) == analysis.tiers.height
    # the tiers count the accounts that bought; everyone else is "no purchases"
    assert sum(r["accounts"] for r in rows[:4]) == charts.headline(analysis).buyers
    assert rows[4]["revenue_share"] is None and query(rows[4]["link"])["bought"] == ["no"]
    assert sum(r["revenue"] for r in rows) == analysis.metrics["revenue"].sum()
    assert sum(r["revenue_share"] or 0 for r in rows) == pytest.approx(1.0)
    assert query(rows[0]["link"]) == {"tier": ["diamond"], "period": ["2025"]}


def test_pyramid_bands_link_to_their_tier(analysis):
    with translation.override("en"):
        option = as_json(charts.pyramid_option(charts.tier_summary(analysis)))
    bands = [d for d in option["series"][0]["data"] if d.get("link")]
    assert [query(d["link"])["tier"] for d in bands] == [
        ["diamond"],
        ["gold"],
        ["strategic"],
        ["ordinary"],
    ]
    assert bands[0]["name"].startswith("Diamond\n")
    # widths grow downwards: the narrowest band is diamond, at the top
    assert [d["value"] for d in bands] == sorted(d["value"] for d in bands)


def test_pareto_marks_the_top_share_on_both_curves(analysis):
    option = as_json(charts.pareto_option(analysis))
    revenue, profit = option["series"]
    assert revenue["markLine"]["data"][0]["xAxis"] == 20
    assert revenue["markPoint"]["data"][0]["value"] == round(
        analysis.revenue_pareto.top_value_share * 100, 1
    )
    assert profit["markPoint"]["data"][0]["value"] == round(
        analysis.profit_pareto.top_value_share * 100, 1
    )
    assert revenue["data"][0] == [0.0, 0.0]
    assert revenue["data"][-1][0] == 100.0
    assert query(revenue["link"]) == {"sort": ["-revenue"], "period": ["2025"]}


def test_gauge_splits_red_and_green_at_the_minimum(analysis):
    gauge = as_json(charts.gauge_option(analysis))["series"][0]
    assert gauge["axisLine"]["lineStyle"]["color"][0][0] == 0.5
    assert gauge["data"][0]["value"] == round(analysis.health.top_revenue_share * 100, 1)
    assert query(gauge["data"][0]["link"])["sort"] == ["-revenue"]


def test_gauge_without_sales_says_so():
    empty = run(Period.year(2019))
    gauge = charts.gauge_option(empty)["series"][0]
    assert gauge["data"][0]["value"] == 0
    assert gauge["detail"]["formatter"] == "–"


def test_trend_has_a_point_per_year_linking_to_that_year(analysis):
    option = as_json(charts.trend_option(analysis))
    assert option["xAxis"]["data"] == ["2023", "2024", "2025"]
    points = option["series"][0]["data"]
    shares = analysis.health_by_year["top10_revenue_share"].to_list()
    assert [p["value"] for p in points] == [round(s * 100, 1) for s in shares]
    assert [query(p["link"])["period"] for p in points] == [["2023"], ["2024"], ["2025"]]
    assert option["series"][0]["markLine"]["data"] == [{"yAxis": 50.0}]


def test_tier_moves_pair_every_account(analysis, previous):
    moves = charts.tier_moves(analysis, previous)
    total = sum(n for row in moves.matrix.values() for n in row.values())
    ids = set(analysis.tiers["account_id"]) | set(previous.tiers["account_id"])
    assert total == len(ids)

    def standing(a):  # no sales in the period (no score): not active there
        rows = a.tiers.select("account_id", pl.col("tier").cast(str), "score").iter_rows()
        return {i: (tier if score is not None else "") for i, tier, score in rows}

    now, then = standing(analysis), standing(previous)
    changed = {i for i in ids if now.get(i, "") != then.get(i, "")}
    assert moves.moved == len(changed)
    listed = {a["id"] for group in moves.groups() for a in group["accounts"]}
    assert listed == changed  # few accounts: every one that moved is listed
    for group in moves.groups():
        assert group["count"] == moves.matrix[group["from"]][group["to"]]


def test_tier_moves_cells_lead_to_accounts(analysis, previous):
    moves = charts.tier_moves(analysis, previous)
    for row in moves.rows():
        for cell in row["cells"]:
            if cell["same"] and cell["count"] and cell["to"]:
                assert query(cell["link"])["tier"] == [cell["to"]]
            elif cell["count"] and not cell["same"]:
                assert cell["link"] == f"#moves-{row['from'] or 'none'}-{cell['to'] or 'none'}"


def test_examples_are_capped_largest_first(analysis, previous):
    moves = charts.tier_moves(analysis, previous, limit=1)
    for group in moves.groups():
        assert len(group["accounts"]) == 1
        assert group["more"] == group["count"] - 1


def test_false_key_accounts_carry_their_evidence(analysis):
    with translation.override("en"):
        found = charts.false_key_accounts(analysis)
    flagged = {f.account_id for f in analysis.flags}
    assert {row["id"] for row in found.accounts} == flagged
    assert found.total == len(flagged)
    revenues = [row["revenue"] for row in found.accounts]
    assert revenues == sorted(revenues, reverse=True)
    by_id = {row["id"]: row for row in found.accounts}
    volume = by_id[4]["flags"][0]
    assert volume["kind"] == LOW_PROFIT_VOLUME
    assert volume["summary"].startswith("Buys a lot")
    margin = next(e for e in volume["evidence"] if e["metric"] == "gross_margin")
    assert margin == {
        "metric": "gross_margin",
        "label": "Gross margin",
        "value": "5.0%",
        "op": "<",
        "threshold": "8.0%",
    }
    assert by_id[4]["capped"] and by_id[4]["uncapped_tier"] in ("diamond", "gold")
    kinds = {k["kind"]: k for k in found.kinds}
    assert kinds[GROUP_BUY]["accounts"] == 1
    assert query(kinds[GROUP_BUY]["link"]) == {"flag": [GROUP_BUY], "period": ["2025"]}


def test_false_key_accounts_are_limited(analysis):
    found = charts.false_key_accounts(analysis, limit=1)
    assert len(found.accounts) == 1
    assert found.total == len({f.account_id for f in analysis.flags})


def test_evidence_values_read_as_money_percent_or_count():
    with translation.override("zh-hans"):
        assert charts.evidence_value("lifetime_revenue", "3000000.00") == "¥300万"
    assert charts.evidence_value("return_rate", 0.0762) == "7.6%"
    assert charts.evidence_value("orders_per_year", 12.0) == "12"
    # rounded half up, as every percent and the flag's own sentence are
    assert charts.evidence_value("days_to_pay", 150.25) == "150.3"
    assert charts.evidence_value("months_bought", 1) == "1"


def test_top_net_is_ordered_by_net_contribution(analysis):
    rows = charts.top_net(analysis, limit=3)
    expected = (
        analysis.metrics.sort("net_contribution", descending=True).head(3)["account_id"].to_list()
    )
    assert [r["id"] for r in rows] == expected
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["link"] == f"/customers/{expected[0]}/"
    assert rows[0]["owner_id"] in (70, 71)


def test_whatif_summary_matches_the_engine(analysis):
    policy = dataclasses.replace(Policy(), tiers=TierPolicy(diamond_share=0.5, gold_share=0.2))
    result = what_if(analysis.metrics, analysis.tiers, policy)
    summary = charts.whatif_summary(
        result, analysis, {"revenue": 0.5, "orders": 0.5, "cash_collected": 0}, {}
    )
    assert summary.moved == result.moves.height > 0
    assert {m["id"] for m in summary.moves} == set(result.moves["account_id"])
    assert all(m["from"] != m["to"] for m in summary.moves)
    for row in summary.counts:
        assert row["change"] == row["after"] - row["before"]
    assert sum(r["before"] for r in summary.counts) == analysis.tiers.height
    assert [w["metric"] for w in summary.weights] == ["revenue", "orders"]
    assert sum(w["share"] for w in summary.weights) == pytest.approx(1)
    limited = charts.whatif_summary(result, analysis, {"revenue": 1}, {}, limit=1)
    assert len(limited.moves) == 1 and limited.more == result.moves.height - 1


def test_options_are_plain_json(analysis):
    for option in (
        charts.pyramid_option(charts.tier_summary(analysis)),
        charts.pareto_option(analysis),
        charts.gauge_option(analysis),
        charts.trend_option(analysis),
    ):
        # plain json: no Decimal, no lazy string, no NaN slipped into a figure
        json.dumps(option, allow_nan=False)
