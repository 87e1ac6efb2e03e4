"""Potential value and the 2×2 scorecard (M1.3)."""

import polars as pl
import pytest
from django.utils import translation

from kam.value.analytics import frames
from kam.value.analytics.policy import Policy, ScorecardPolicy
from kam.value.analytics.scorecard import (
    DEVELOP_PARTNERSHIP,
    INVEST_TO_GROW,
    MAINTAIN_EFFICIENTLY,
    NOT_ASSESSED,
    POSTURES,
    QUADRANT_LABELS,
    QUADRANTS,
    SERVE_AT_LOW_COST,
    posture,
    potential_scores,
    scorecard,
)

INPUTS = frames.potential_frame(
    [
        # 1: big wallet, we have 20% of it; fast-growing, influential, fits our strategy
        {
            "account_id": 1,
            "wallet": 1_000_000,
            "share": 0.2,
            "growth_outlook": 5,
            "influence": 4,
            "referral_power": 3,
            "strategic_fit": 5,
        },
        # 2: we already have 90% of a small wallet; nothing else going for it
        {
            "account_id": 2,
            "wallet": 500_000,
            "share": 0.9,
            "growth_outlook": 1,
            "influence": 1,
            "referral_power": 1,
            "strategic_fit": 1,
        },
        # 3: only the growth outlook is known
        {"account_id": 3, "growth_outlook": 3},
        # 4: a row with nothing in it
        {"account_id": 4},
    ]
)


def by_account(frame: pl.DataFrame) -> dict[int, dict]:
    return {row["account_id"]: row for row in frame.iter_rows(named=True)}


def test_potential_score_by_hand():
    # headroom 1: 1,000,000 × 0.8 = 800,000; 2: 500,000 × 0.1 = 50,000 → ranks 1 and 0
    # 1: .35×1 + .2×(5−1)/4 + .15×(4−1)/4 + .15×(3−1)/4 + .15×(5−1)/4
    #    = .35 + .2 + .1125 + .075 + .15 = .8875
    # 2: every part 0 → 0
    # 3: only growth outlook (3−1)/4 = .5, its weight renormalised to 1 → .5
    # 4: nothing → null, not assessed
    scores = by_account(potential_scores(INPUTS))
    assert scores[1]["headroom"] == pytest.approx(800_000)
    assert scores[1]["potential_score"] == pytest.approx(0.8875)
    assert scores[2]["potential_score"] == pytest.approx(0.0)
    assert scores[3]["potential_score"] == pytest.approx(0.5)
    assert scores[4]["potential_score"] is None
    assert [scores[a]["assessed"] for a in (1, 2, 3, 4)] == [True, True, True, False]


def test_potential_weights_come_from_the_policy():
    only_headroom = Policy(scorecard=ScorecardPolicy(weights={"headroom": 1}))
    scores = by_account(potential_scores(INPUTS, only_headroom))
    assert scores[1]["potential_score"] == 1.0
    assert scores[2]["potential_score"] == 0.0
    assert scores[3]["potential_score"] is None  # no wallet: nothing to judge it on
    with pytest.raises(ValueError):
        potential_scores(INPUTS, Policy(scorecard=ScorecardPolicy(weights={"size": 1})))


def test_inputs_are_checked():
    with pytest.raises(ValueError, match=r"1\.\.5"):
        frames.potential_frame([{"account_id": 1, "influence": 6}])
    with pytest.raises(ValueError):
        frames.potential_frame([{"account_id": 1, "share": 1.5}])


def test_quadrants():
    current = pl.DataFrame(
        {"account_id": [1, 2, 3, 4, 5, 6], "score": [0.65, 0.55, 0.30, 0.9, 0.7, None]}
    )
    potentials = pl.concat(
        [
            potential_scores(INPUTS),
            pl.DataFrame(
                {"account_id": [6], "headroom": [None], "potential_score": [0.1]},
                schema={
                    "account_id": pl.Int64,
                    "headroom": frames.MONEY,
                    "potential_score": pl.Float64,
                },
            ).with_columns(assessed=pl.lit(True)),
        ]
    )
    card = by_account(scorecard(current, potentials))
    assert card[1]["quadrant"] == DEVELOP_PARTNERSHIP  # .65 now, .8875 later
    assert card[2]["quadrant"] == MAINTAIN_EFFICIENTLY  # .55 now, 0 later
    assert card[3]["quadrant"] == INVEST_TO_GROW  # .30 now, .5 later (cut is ≥ .5)
    assert card[4]["quadrant"] == NOT_ASSESSED  # a row, but empty
    assert card[5]["quadrant"] == NOT_ASSESSED  # no row at all
    assert card[6]["quadrant"] == SERVE_AT_LOW_COST  # bought nothing: current counts as low


def test_cuts_come_from_the_policy():
    current = pl.DataFrame({"account_id": [3], "score": [0.30]})
    strict = Policy(scorecard=ScorecardPolicy(potential_cut=0.6, current_cut=0.25))
    card = by_account(scorecard(current, potential_scores(INPUTS), strict))
    assert card[3]["quadrant"] == MAINTAIN_EFFICIENTLY


def test_every_quadrant_has_a_label_and_a_posture_in_both_languages():
    for key in (*QUADRANTS, NOT_ASSESSED):
        with translation.override("en"):
            english = posture(key)
            assert str(QUADRANT_LABELS[key])
        with translation.override("zh-hans"):
            assert posture(key)
        assert len(english) > 40
    assert set(POSTURES) == {*QUADRANTS, NOT_ASSESSED}


# ---------------------------------------------------------------- current value agrees
# with what the account leaves us


def test_an_account_that_loses_money_has_no_current_value_however_big():
    # account 1 scores .89 on volume but its net contribution is negative (−4.1%)
    current = pl.DataFrame({"account_id": [1, 2], "score": [0.89, 0.65]})
    metrics = pl.DataFrame(
        {"account_id": [1, 2], "net_contribution": [-2_640_000.0, 120_000.0]},
    )
    card = by_account(scorecard(current, potential_scores(INPUTS), metrics=metrics))
    assert card[1]["value_score"] == 0.89
    assert card[1]["current_score"] == 0.0
    assert card[1]["current_reason"] == "loses_money"
    # big potential, no current value: never "become the preferred or sole supplier"
    assert card[1]["quadrant"] == INVEST_TO_GROW
    assert card[2]["current_score"] == 0.65 and card[2]["current_reason"] is None


def test_a_false_key_account_is_capped_low_and_its_posture_says_why():
    from kam.value.analytics.flags import LOW_PROFIT_VOLUME, Flag

    flag = Flag(
        1,
        LOW_PROFIT_VOLUME,
        [{"metric": "gross_margin", "value": 0.05, "threshold": 0.08, "op": "<"}],
        {"orders": "36", "top": "20.0%"},
    )
    current = pl.DataFrame({"account_id": [1], "score": [0.89]})
    card = by_account(scorecard(current, potential_scores(INPUTS), flags=[flag]))
    assert card[1]["current_score"] == 0.25  # flagged_cap: half the 0.5 cut
    assert card[1]["current_reason"] == "flagged"
    assert card[1]["quadrant"] == INVEST_TO_GROW
    with translation.override("en"):
        text = posture(card[1]["quadrant"], [flag], card[1]["current_reason"])
        assert text.startswith("Flagged as a false key account — High volume, low profit:")
        assert "Gross margin 5.0% (limit < 8.0%)" in text
        # the quadrant's "commit resources ahead of revenue" is not given to a false KA
        assert str(POSTURES[INVEST_TO_GROW]) not in text
        assert "sole supplier" not in text
