"""The 80/20 curve (M1.4) and portfolio health by year (M1.5)."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from kam.value.analytics import frames
from kam.value.analytics.pareto import health_by_year, pareto, portfolio_health
from kam.value.analytics.policy import Policy, PortfolioPolicy

D = Decimal


def metrics_frame(revenue: list, profit: list | None = None) -> pl.DataFrame:
    profit = profit or [0] * len(revenue)
    return pl.DataFrame(
        {
            "account_id": list(range(1, len(revenue) + 1)),
            "revenue": [D(v) for v in revenue],
            "gross_profit": [D(v) for v in profit],
        },
        schema={"account_id": pl.Int64, "revenue": frames.MONEY, "gross_profit": frames.MONEY},
    )


# five accounts that bought, and one that only returned goods (not in the population)
FIVE = metrics_frame([50, 500, 150, 100, 200, -30], [-120, 300, 20, -50, 100, -10])


def test_top_20_percent_of_revenue():
    # sorted 500, 200, 150, 100, 50 (total 1,000): the top one of five holds 50%
    result = pareto(FIVE, "revenue")
    assert result.accounts == 5
    assert result.total == D("1000.00")
    assert result.top_value_share == pytest.approx(0.5)


def test_profit_share_counts_losses_in_the_total():
    # by profit: 300, 100, 20, −50, −120 → total 250; the top one holds 300 ÷ 250 = 120%,
    # the loss-makers give 70 back: the whale curve
    result = pareto(FIVE, "gross_profit")
    assert result.total == D("250.00")
    assert result.top_value_share == pytest.approx(1.2)
    curve = result.curve
    assert curve.get_column("account_share").to_list() == pytest.approx(
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    )
    assert curve.get_column("value_share").to_list() == pytest.approx(
        [0.0, 1.2, 1.6, 1.68, 1.48, 1.0]
    )


def test_top_share_interpolates_between_accounts():
    # 7 accounts: 20% is 1.4 accounts → 400 + 0.4 × 200 = 480 of 1,000
    seven = metrics_frame([400, 200, 100, 100, 100, 50, 50])
    assert pareto(seven).top_value_share == pytest.approx(0.48)


def test_no_profit_no_share():
    losing = metrics_frame([100, 100], [-5, 2])
    assert pareto(losing, "gross_profit").top_value_share is None
    assert pareto(metrics_frame([]), "revenue").accounts == 0


def test_curve_is_sampled_for_charts_but_ends_exact():
    many = metrics_frame(list(range(1, 5001)))
    result = pareto(many, policy=Policy(portfolio=PortfolioPolicy(curve_points=100)))
    assert 100 <= result.curve.height <= 103
    assert result.curve.row(-1) == pytest.approx((1.0, 1.0))
    # 1,000 largest of 1..5000: Σ 4001..5000 = 4,500,500 of 12,502,500
    assert result.top_value_share == pytest.approx(4_500_500 / 12_502_500)


def test_rejects_other_values():
    with pytest.raises(ValueError):
        pareto(FIVE, "orders")


def test_period_health():
    # twelve accounts: the top ten hold 10 × 100 of 1,200
    health = portfolio_health(metrics_frame([100] * 12))
    assert health.top_revenue_share == pytest.approx(1000 / 1200)
    assert health.meets_minimum is True
    assert health.hhi == pytest.approx(1 / 12)
    assert portfolio_health(metrics_frame([])).meets_minimum is None


def month_rows(year: int, revenues: list, months: int = 12) -> list[dict]:
    """Each account's yearly revenue spread evenly over `months` months."""
    rows = []
    for account, revenue in enumerate(revenues, start=1):
        for m in range(1, months + 1):
            rows.append(
                {"account_id": account, "month": date(year, m, 1), "revenue": D(revenue) / months}
            )
    return rows


def test_health_by_year():
    months = frames.months_frame(
        # 2023: 25 accounts × 48 — the top ten hold 40%: below the 50% minimum
        month_rows(2023, [48] * 25)
        # 2024: 12 accounts × 120
        + month_rows(2024, [120] * 12)
        # 2025 (six months so far): one of 1,200, ten of 12, and one that returned 60 net
        + month_rows(2025, [1200] + [12] * 10 + [-60], months=6)
    )
    health = {row["year"]: row for row in health_by_year(months).iter_rows(named=True)}
    assert sorted(health) == [2023, 2024, 2025]
    # 2023: 480 of 1,200; HHI 25 × (1/25)² = 0.04
    assert health[2023]["top10_revenue_share"] == pytest.approx(0.4)
    assert health[2023]["meets_minimum"] is False
    assert health[2023]["change"] is None
    assert health[2023]["hhi"] == pytest.approx(0.04)
    assert health[2023]["accounts"] == 25
    # 2024: 1,200 of 1,440 = 0.8333; HHI 12 × (1/12)² = 1/12
    assert health[2024]["top10_revenue_share"] == pytest.approx(1200 / 1440)
    assert health[2024]["change"] == pytest.approx(1200 / 1440 - 0.4)
    assert health[2024]["hhi"] == pytest.approx(1 / 12)
    # 2025: the 11 that bought have 1,320; the top ten 1,200 + 9 × 12 = 1,308;
    # HHI (1200/1320)² + 10 × (12/1320)²
    assert health[2025]["revenue"] == D("1320.00")
    assert health[2025]["top10_revenue_share"] == pytest.approx(1308 / 1320)
    assert health[2025]["hhi"] == pytest.approx((1200 / 1320) ** 2 + 10 * (12 / 1320) ** 2)
    assert health[2025]["months"] == 6
    assert health[2025]["accounts"] == 11


def test_health_change_needs_the_year_before():
    months = frames.months_frame(month_rows(2023, [10] * 3) + month_rows(2025, [10] * 3))
    health = health_by_year(months)
    assert health.get_column("change").to_list() == [None, None]
