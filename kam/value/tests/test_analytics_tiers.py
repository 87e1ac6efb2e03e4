"""Value score, pyramid tiers, the flag cap, and what-if."""

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.value.analytics.flags import Flag
from kam.value.analytics.policy import Policy, TierPolicy, ValuePolicy
from kam.value.analytics.tiers import (
    DIAMOND,
    GOLD,
    ORDINARY,
    STRATEGIC,
    TIERS,
    VALUE_LEVEL,
    assign_tiers,
    value_scores,
    what_if,
    with_unscored,
)

D = Decimal


def metrics_frame(rows: list[dict]) -> pl.DataFrame:
    """Just the metric columns the scores and tiers read (a full metrics frame works too)."""
    defaults = {
        "revenue": 0,
        "gross_profit": 0,
        "cash_collected": 0,
        "orders": 0,
        "net_contribution": 0,
        "growth": None,
    }
    full = [defaults | row for row in rows]
    for row in full:
        row.setdefault("annualised_revenue", row["revenue"])
    money = ["revenue", "gross_profit", "cash_collected", "net_contribution", "annualised_revenue"]
    frame = pl.DataFrame(
        [{k: str(v) if k in money else v for k, v in row.items()} for row in full],
        schema_overrides={"growth": pl.Float64},
    )
    return frame.with_columns(
        pl.col("account_id").cast(pl.Int64),
        pl.col("orders").cast(pl.Int64),
        *[pl.col(c).cast(pl.Decimal(38, 2)) for c in money],
    )


# X leads on revenue and cash, Y on profit and contribution, Z sits in between; W bought nothing
THREE = [
    # revenue, gross profit, cash, orders, net contribution
    {
        "account_id": 1,
        "revenue": 300,
        "gross_profit": 10,
        "cash_collected": 300,
        "orders": 5,
        "net_contribution": -5,
    },
    {
        "account_id": 2,
        "revenue": 200,
        "gross_profit": 30,
        "cash_collected": 200,
        "orders": 5,
        "net_contribution": 20,
    },
    {
        "account_id": 3,
        "revenue": 100,
        "gross_profit": 20,
        "cash_collected": 200,
        "orders": 5,
        "net_contribution": 10,
    },
    {"account_id": 4, "revenue": 0, "gross_profit": 0, "cash_collected": 50, "orders": 0},
]


def scores_of(frame: pl.DataFrame) -> dict[int, float | None]:
    return dict(frame.select("account_id", "score").iter_rows())


def tiers_of(frame: pl.DataFrame) -> dict[int, str]:
    return {a: str(t) for a, t in frame.select("account_id", "tier").iter_rows()}


def test_value_score_by_hand():
    # percentile ranks among the 3 that bought (n = 3 → 0, 0.5, 1):
    #   revenue X 1, Y .5, Z 0; profit X 0, Y 1, Z .5; cash X 1, Y/Z tie .25;
    #   orders all tie .5; contribution X 0, Y 1, Z .5
    # X = .3×1 + .3×0 + .2×1 + .1×.5 + .1×0 = .55
    # Y = .3×.5 + .3×1 + .2×.25 + .1×.5 + .1×1 = .65
    # Z = .3×0 + .3×.5 + .2×.25 + .1×.5 + .1×.5 = .30
    scores = scores_of(value_scores(metrics_frame(THREE)))
    assert scores[1] == pytest.approx(0.55)
    assert scores[2] == pytest.approx(0.65)
    assert scores[3] == pytest.approx(0.30)
    assert scores[4] is None  # did not buy: not scored


def test_weights_are_renormalised():
    # 3 : 1 → .75 / .25; X = .75×1 + .25×0, Y = .75×.5 + .25×1, Z = .75×0 + .25×.5
    policy = Policy(value=ValuePolicy(weights={"revenue": 3, "gross_profit": 1}))
    scores = scores_of(value_scores(metrics_frame(THREE), policy))
    assert scores[1] == pytest.approx(0.75)
    assert scores[2] == pytest.approx(0.625)
    assert scores[3] == pytest.approx(0.125)


def test_scores_ignore_units_and_outliers():
    # multiplying one metric by 10,000 or adding a giant changes no rank, so no score
    base = value_scores(metrics_frame(THREE))
    scaled = metrics_frame(THREE).with_columns(pl.col("revenue") * 10_000)
    assert value_scores(scaled).equals(base)


def test_unknown_or_negative_weights_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        value_scores(metrics_frame(THREE), Policy(value=ValuePolicy(weights={"nonsense": 1})))
    with pytest.raises(ValueError):
        value_scores(metrics_frame(THREE), Policy(value=ValuePolicy(weights={"revenue": -1})))


def test_percentile_tiers_on_the_three():
    # n = 3: diamond when fewer than 3% × 3 = 0.09 score higher → only Y (0 ahead);
    # gold when fewer than 15% × 3 = 0.45 → nobody else
    tiers = tiers_of(assign_tiers(metrics_frame(THREE)))
    assert tiers == {1: ORDINARY, 2: DIAMOND, 3: ORDINARY, 4: ORDINARY}


def hundred() -> pl.DataFrame:
    """100 accounts whose every metric grows with the id, so the score does too."""
    return metrics_frame(
        [
            {
                "account_id": i,
                "revenue": 1000 * i,
                "gross_profit": 100 * i,
                "cash_collected": 900 * i,
                "orders": i,
                "net_contribution": 50 * i,
            }
            for i in range(1, 101)
        ]
    )


def test_percentile_tiers_top_3_and_next_12_percent():
    tiers = tiers_of(assign_tiers(hundred()))
    assert [a for a, t in tiers.items() if t == DIAMOND] == [98, 99, 100]
    assert [a for a, t in tiers.items() if t == GOLD] == list(range(86, 98))
    assert tiers[85] == ORDINARY


def test_ties_at_the_cut_share_the_tier():
    frame = hundred().with_columns(
        # make 97 and 98 identical: both have 2 accounts ahead (< 3) → both diamond
        pl.when(pl.col("account_id") == 97)
        .then(pl.lit(D("98000")))
        .otherwise(pl.col("revenue"))
        .alias("revenue")
    )
    frame = frame.with_columns(
        *[
            pl.when(pl.col("account_id") == 97)
            .then(frame.filter(pl.col("account_id") == 98).get_column(c).item())
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("gross_profit", "cash_collected", "orders", "net_contribution")
        ]
    )
    tiers = tiers_of(assign_tiers(frame))
    assert [a for a, t in tiers.items() if t == DIAMOND] == [97, 98, 99, 100]


def test_absolute_tiers_on_annualised_revenue():
    frame = metrics_frame(
        [
            {"account_id": 1, "revenue": 150_000_000},
            {"account_id": 2, "revenue": 100_000_000},  # exactly the bar: diamond
            {"account_id": 3, "revenue": D("99999999.99")},
            {"account_id": 4, "revenue": 10_000_000},
            {"account_id": 5, "revenue": D("9999999.99")},
            # a quarter's 25 million is 100 million a year
            {"account_id": 6, "revenue": 25_000_000, "annualised_revenue": 100_000_000},
        ]
    )
    policy = Policy(tiers=TierPolicy(method="absolute"))
    tiers = tiers_of(assign_tiers(frame, policy))
    assert tiers == {1: DIAMOND, 2: DIAMOND, 3: GOLD, 4: GOLD, 5: ORDINARY, 6: DIAMOND}


def test_strategic_by_potential_or_by_growth_above_the_median():
    frame = metrics_frame(
        [
            *[{"account_id": i, "revenue": 1000 * i} for i in range(1, 41)],
            # median revenue of the 43 that bought: 20,000 (the 22nd of 1,000, 2,000, 2,000, 3,000, 3,000, 4,000 …)
            {"account_id": 41, "revenue": 25_000, "growth": 0.5},  # grows, above median
            {"account_id": 42, "revenue": 3_000, "growth": 2.0},  # grows, but small
            {"account_id": 43, "revenue": 2_000},  # small, high potential
        ]
    )
    potential = pl.DataFrame({"account_id": [43, 42], "potential_score": [0.8, 0.1]})
    tiers = tiers_of(assign_tiers(frame, potential=potential))
    assert tiers[41] == STRATEGIC
    assert tiers[42] == ORDINARY
    assert tiers[43] == STRATEGIC
    assert tiers[1] == ORDINARY


def flag(account_id: int, kind: str) -> Flag:
    return Flag(account_id, kind, [])


def test_flagged_accounts_cannot_be_diamond_or_gold():
    potential = pl.DataFrame({"account_id": [99], "potential_score": [0.9]})
    flags = [flag(100, "low_profit_volume"), flag(99, "squeezer"), flag(50, "squeezer")]
    tiers = assign_tiers(hundred(), flags=flags, potential=potential)
    rows = {r["account_id"]: r for r in tiers.iter_rows(named=True)}
    assert rows[100]["uncapped_tier"] == DIAMOND
    assert rows[100]["tier"] == ORDINARY
    assert rows[100]["capped_by_flags"] == ["low_profit_volume"]
    assert rows[99]["tier"] == STRATEGIC  # capped, but its potential keeps it strategic
    # an ordinary flagged account is not "capped": nothing was taken from it
    assert rows[50]["tier"] == ORDINARY
    assert rows[50]["capped_by_flags"] == []
    assert rows[50]["flags"] == ["squeezer"]
    # the places are not handed on: 98 is still the only other diamond
    assert [a for a, r in rows.items() if r["tier"] == DIAMOND] == [98]


# ---------------------------------------------------------------- properties

account_rows = st.lists(
    st.fixed_dictionaries(
        {
            "revenue": st.integers(-1000, 200_000_000),
            "gross_profit": st.integers(-1_000_000, 50_000_000),
            "cash_collected": st.integers(0, 200_000_000),
            "orders": st.integers(0, 500),
            "net_contribution": st.integers(-5_000_000, 40_000_000),
            "growth": st.none() | st.floats(-1, 5),
            "flagged": st.booleans(),
            "potential": st.none() | st.floats(0, 1),
        }
    ),
    min_size=1,
    max_size=60,
)


def frame_and_extras(rows):
    frame = metrics_frame(
        [
            {k: v for k, v in row.items() if k not in ("flagged", "potential")} | {"account_id": i}
            for i, row in enumerate(rows)
        ]
    )
    flags = [flag(i, "squeezer") for i, row in enumerate(rows) if row["flagged"]]
    potential = pl.DataFrame(
        {"account_id": list(range(len(rows))), "potential_score": [r["potential"] for r in rows]},
        schema={"account_id": pl.Int64, "potential_score": pl.Float64},
    )
    return frame, flags, potential


def assert_monotonic(tiers: pl.DataFrame, key: str):
    unflagged = tiers.filter(pl.col("flags").list.len() == 0)
    pairs = [(row[key], VALUE_LEVEL[str(row["tier"])]) for row in unflagged.iter_rows(named=True)]
    for a_key, a_level in pairs:
        for b_key, b_level in pairs:
            if a_key is not None and (b_key is None or a_key > b_key):
                assert a_level >= b_level


@settings(max_examples=80, deadline=None)
@given(rows=account_rows)
def test_higher_score_never_gets_a_lower_level(rows):
    frame, flags, potential = frame_and_extras(rows)
    tiers = assign_tiers(frame, flags=flags, potential=potential)
    assert_monotonic(tiers, "score")


@settings(max_examples=80, deadline=None)
@given(rows=account_rows)
def test_absolute_more_revenue_never_gets_a_lower_level(rows):
    frame, flags, potential = frame_and_extras(rows)
    policy = Policy(tiers=TierPolicy(method="absolute"))
    tiers = assign_tiers(frame, policy, flags=flags, potential=potential).join(
        frame.select("account_id", "annualised_revenue"), on="account_id"
    )
    assert_monotonic(tiers, "annualised_revenue")


@settings(max_examples=40, deadline=None)
@given(rows=account_rows)
def test_flagged_accounts_are_never_diamond_or_gold(rows):
    frame, flags, potential = frame_and_extras(rows)
    tiers = assign_tiers(frame, flags=flags, potential=potential)
    flagged = tiers.filter(pl.col("flags").list.len() > 0)
    assert not flagged.get_column("tier").cast(pl.String).is_in([DIAMOND, GOLD]).any()


# ---------------------------------------------------------------- what if


def test_what_if_reports_transitions_and_moves():
    metrics = hundred()
    current = assign_tiers(metrics, flags=[flag(100, "squeezer")])
    # top 10% diamond, next 10% gold instead of 3% / 12%
    wider = Policy(tiers=TierPolicy(diamond_share=0.10, gold_share=0.10))
    result = what_if(metrics, current, wider)
    matrix = result.matrix()
    # diamonds 98, 99 stay; golds 91–97 rise to diamond, 86–90 stay gold;
    # 81–85 rise from ordinary to gold; 100 is flagged and stays ordinary
    assert matrix[DIAMOND][DIAMOND] == 2
    assert matrix[GOLD][DIAMOND] == 7
    assert matrix[GOLD][GOLD] == 5
    assert matrix[ORDINARY][GOLD] == 5
    assert matrix[ORDINARY][ORDINARY] == 81
    assert sum(sum(row.values()) for row in matrix.values()) == 100
    assert result.moves.height == 12
    assert set(result.moves.get_column("account_id")) == set(range(81, 86)) | set(range(91, 98))
    assert result.counts()[DIAMOND] == (2, 9)
    assert set(matrix) == set(TIERS)


def test_what_if_with_the_same_policy_moves_nobody():
    metrics = hundred()
    current = assign_tiers(metrics)
    result = what_if(metrics, current, Policy())
    assert result.moves.is_empty()
    assert result.tiers.equals(current)


def test_accounts_without_sales_get_a_tier_of_their_own_and_change_nobody_elses():
    scored = assign_tiers(
        metrics_frame([{"account_id": i, "revenue": 1000 * i, "orders": i} for i in range(1, 11)])
    )
    potential = pl.DataFrame(
        {"account_id": [20, 21], "potential_score": [0.95, 0.1]},
        schema={"account_id": pl.Int64, "potential_score": pl.Float64},
    )
    ids = pl.Series([*range(1, 11), 20, 21, 22])
    tiers = with_unscored(scored, ids, Policy(), potential)
    tier = dict(tiers.select("account_id", pl.col("tier").cast(str)).iter_rows())
    assert tier[20] == STRATEGIC  # a prospect with high potential: 战略客户
    assert tier[21] == ORDINARY and tier[22] == ORDINARY
    assert tiers.filter(pl.col("account_id") >= 20).get_column("score").null_count() == 3
    assert tiers.filter(pl.col("account_id") < 20).equals(scored)
