"""Builders make valid input frames; the analytics refuse frames that are not."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from kam.value.analytics import frames

D = Decimal


def test_months_frame_fills_snaps_and_sums_duplicates():
    months = frames.months_frame(
        [
            {"account_id": 1, "month": date(2025, 1, 15), "revenue": "100.005", "orders": 2},
            {"account_id": 1, "month": date(2025, 1, 1), "revenue": 0.1 + 0.2, "collected": 5},
            {"account_id": 2, "month": date(2025, 2, 1), "revenue": D("7.5")},
        ]
    )
    assert months.schema == pl.Schema(frames.MONTHS)
    rows = months.rows(named=True)
    assert len(rows) == 2
    # 100.005 rounds half up to 100.01; the float 0.30000000000000004 to 0.30
    assert rows[0]["revenue"] == D("100.31")
    assert rows[0]["month"] == date(2025, 1, 1)
    assert (rows[0]["orders"], rows[0]["collected"], rows[0]["cost"]) == (2, D("5.00"), D("0"))
    assert rows[1]["revenue"] == D("7.50")


def test_empty_frames_have_the_schema():
    assert frames.months_frame().schema == pl.Schema(frames.MONTHS)
    assert frames.costs_frame([]).schema == pl.Schema(frames.COSTS)
    assert frames.team_frame().is_empty()


def test_costs_accept_a_date_per_entry():
    costs = frames.costs_frame(
        [{"account_id": 1, "date": date(2025, 3, 9), "category": "visits", "amount": 12}]
    )
    assert costs.row(0) == (1, date(2025, 3, 1), "visits", D("12.00"))


def test_accounts_keep_known_optional_columns_only():
    accounts = frames.accounts_frame(
        [{"account_id": 1, "code": "C1", "name": "甲", "owner_id": 3, "colour": "red"}]
    )
    assert accounts.columns == ["account_id", "code", "name", "owner_id"]


def test_require_names_every_problem():
    bad = pl.DataFrame({"account_id": [1], "revenue": [1.0]})
    with pytest.raises(ValueError) as error:
        frames.require(bad, frames.MONTHS, "months")
    message = str(error.value)
    assert "month missing" in message
    assert "revenue is Float64" in message
