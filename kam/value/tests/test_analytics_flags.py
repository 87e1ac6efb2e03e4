"""False key accounts (M1.6) on a crafted portfolio, each with the numbers that flagged it.

The portfolio, for the year 2025 (the 14 accounts that bought, by annual revenue):

- 1 genuine key account: 36 months, ¥970,000 a month at 30% margin, 3% discount, pays
  in 35 days, 0.5% returns, 1% cost to serve → ¥11,640,000
- 4 heavy buyer at 5% margin, 3 orders a month → ¥9,600,000
- 5 squeezer: 25% discount, 150 days to pay, 7% returns, 6.5% cost to serve, 80% collected,
  2 orders a month since 2024 → ¥6,300,000
- 2 group buy: one order of 45 lines in 2025-04 → ¥3,000,000
- 3 big ticket: one ¥5,000,000 line in 2024-09, one ¥10,000 spare part in 2025-02
- 6 small one-off: one order of ¥20,000 in 2025-11
- 101–108 ordinary: ¥5,000 × i a month at 25% margin, one order a month → ¥60,000 × i

Sorted, the 14 annual revenues are 10k, 20k, 60k, 120k … 480k, 3M, 6.3M, 9.6M, 11.64M.
75th percentile (linear, position 0.75 × 13 = 9.75): 480,000 + 0.75 × 2,520,000 = 2,370,000
— the bar a one-off must reach to matter. 80th percentile (position 10.4): 3,000,000 +
0.4 × 3,300,000 = 4,320,000 — the top-20% revenue bar.
"""

import json
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from django.utils import translation

from kam.value.analytics import frames
from kam.value.analytics.flags import (
    GROUP_BUY,
    LOW_PROFIT_VOLUME,
    ONE_OFF_BIG_TICKET,
    SQUEEZER,
    flag_accounts,
    flag_kinds,
)
from kam.value.analytics.metrics import account_metrics
from kam.value.analytics.periods import Period, add_months
from kam.value.analytics.policy import FlagPolicy, Policy

D = Decimal
YEAR = Period.year(2025)


def every_month(first: date, last: date) -> list[date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def monthly(account_id, months, *, revenue, cost, days=30, collected=None, **extra):
    """The same month repeated: paid in `days`, `collected` (default all) in the month."""
    rows = []
    for month in months:
        paid = revenue if collected is None else collected
        rows.append(
            {
                "account_id": account_id,
                "month": month,
                "revenue": revenue,
                "cost": cost,
                "paid_amount": paid,
                "paid_days_amount": paid * days,
                "collected": paid,
                **extra,
            }
        )
    return rows


def portfolio(**changes) -> tuple[list[dict], list[dict]]:
    """Rows for the months and costs frames; keyword changes replace an account's rows."""
    y2023 = every_month(date(2023, 1, 1), date(2025, 12, 1))
    y2024 = every_month(date(2024, 1, 1), date(2025, 12, 1))
    y2025 = every_month(date(2025, 1, 1), date(2025, 12, 1))
    accounts = {
        "genuine": monthly(
            1,
            y2023,
            revenue=970_000,
            cost=679_000,
            days=35,
            discount=30_000,
            return_amount=4_850,
            orders=4,
            lines=20,
            quantity=2_000,
        ),
        "volume": monthly(
            4, y2025, revenue=800_000, cost=760_000, days=45, orders=3, lines=9, quantity=1_600
        ),
        "squeezer": monthly(
            5,
            y2024,
            revenue=525_000,
            cost=400_000,
            days=150,
            collected=420_000,
            discount=175_000,
            return_amount=40_000,
            orders=2,
            lines=6,
            quantity=1_000,
        ),
        "group": [
            {
                "account_id": 2,
                "month": date(2025, 4, 1),
                "revenue": 3_000_000,
                "cost": 2_400_000,
                "orders": 1,
                "lines": 45,
                "quantity": 6_000,
            },
            {"account_id": 2, "month": date(2025, 6, 1), "collected": 3_000_000},
        ],
        "ticket": [
            {
                "account_id": 3,
                "month": date(2024, 9, 1),
                "revenue": 5_000_000,
                "cost": 3_500_000,
                "orders": 1,
                "lines": 1,
                "quantity": 1,
                "collected": 5_000_000,
            },
            {
                "account_id": 3,
                "month": date(2025, 2, 1),
                "revenue": 10_000,
                "cost": 6_000,
                "orders": 1,
                "lines": 1,
                "quantity": 2,
                "collected": 10_000,
            },
        ],
        "small": [
            {
                "account_id": 6,
                "month": date(2025, 11, 1),
                "revenue": 20_000,
                "cost": 15_000,
                "orders": 1,
                "lines": 2,
                "quantity": 40,
                "collected": 20_000,
            },
        ],
    }
    for i in range(1, 9):
        accounts[f"ordinary{i}"] = monthly(
            100 + i,
            y2024,
            revenue=5_000 * i,
            cost=3_750 * i,
            days=40,
            orders=1,
            lines=2,
            quantity=10 * i,
        )
    accounts |= changes
    months = [row for rows in accounts.values() for row in rows]
    costs = [
        {"account_id": 1, "month": m, "category": "service", "amount": 9_700} for m in y2023
    ] + [{"account_id": 5, "month": m, "category": "service", "amount": 34_125} for m in y2024]
    return months, costs


def run(months_rows, cost_rows, policy=None):
    months = frames.months_frame(months_rows)
    metrics = account_metrics(months, frames.costs_frame(cost_rows), YEAR, policy)
    return flag_accounts(metrics, months, YEAR, policy)


@pytest.fixture(scope="module")
def flags():
    return {(f.account_id, f.kind): f for f in run(*portfolio())}


def item(flag, metric):
    return next(e for e in flag.evidence if e["metric"] == metric)


def test_exactly_the_false_key_accounts_are_flagged(flags):
    assert sorted(flags) == [
        (2, GROUP_BUY),
        (3, ONE_OFF_BIG_TICKET),
        (4, LOW_PROFIT_VOLUME),
        (5, SQUEEZER),
    ]


def test_group_buy_evidence(flags):
    group = flags[(2, GROUP_BUY)]
    assert group.evidence == [
        {"metric": "biggest_month_share", "value": 1.0, "threshold": 0.8, "op": ">="},
        {"metric": "months_bought", "value": 1, "threshold": 3, "op": "<="},
        {"metric": "lifetime_orders", "value": 1, "threshold": 3, "op": "<="},
        {
            "metric": "lifetime_revenue",
            "value": "3000000.00",
            "threshold": "2370000.00",
            "op": ">=",
        },
        # 3,000,000 ÷ 6,000 units = ¥500 a unit, the company's usual price: ordinary goods
        {"metric": "unit_price_ratio", "value": 1.0, "threshold": 10.0, "op": "<"},
    ]
    assert group.month == date(2025, 4, 1) and not group.before_period
    with translation.override("en"):
        assert "in 2025-04 it bought 6,000 units at 1.0× the company's usual unit price" in (
            group.summary
        )


def test_big_ticket_evidence(flags):
    ticket = flags[(3, ONE_OFF_BIG_TICKET)]
    # 5,000,000 of 5,010,000 in its biggest month, two months, two orders, one line
    assert item(ticket, "biggest_month_share")["value"] == pytest.approx(0.998, abs=1e-4)
    assert item(ticket, "months_bought")["value"] == 2
    assert item(ticket, "lifetime_orders")["value"] == 2
    assert item(ticket, "lifetime_revenue")["value"] == "5010000.00"
    # one unit at ¥5,000,000 against the usual ¥500
    assert item(ticket, "unit_price_ratio") == {
        "metric": "unit_price_ratio",
        "value": 10_000.0,
        "threshold": 10.0,
        "op": ">=",
    }
    # the purchase was in 2024, within the look-back of the 2025 list: it says so
    assert ticket.month == date(2024, 9, 1) and ticket.before_period
    assert ticket.as_dict()["month"] == "2024-09"
    with translation.override("en"):
        assert "in 2024-09" in ticket.summary
        assert "before this period" in ticket.summary and "12 months" in ticket.summary


def test_low_profit_volume_evidence(flags):
    volume = flags[(4, LOW_PROFIT_VOLUME)]
    assert volume.evidence == [
        {"metric": "revenue", "value": "9600000.00", "threshold": "4320000.00", "op": ">="},
        {"metric": "orders_per_year", "value": 36.0, "threshold": 12, "op": ">="},
        # 40,000 ÷ 800,000; net margin is also 5% (pays at once, no cost to serve): not < 2%
        {"metric": "gross_margin", "value": 0.05, "threshold": 0.08, "op": "<"},
    ]
    with translation.override("en"):
        # only the gross margin triggered: the sentence names it, not the net margin
        assert volume.summary == (
            "Buys a lot and often (36 orders a year, revenue in the top 20.0%) but earns us "
            "little: Gross margin 5.0% (limit < 8.0%)."
        )


def test_squeezer_evidence(flags):
    squeezer = flags[(5, SQUEEZER)]
    assert squeezer.evidence == [
        {"metric": "orders_per_year", "value": 24.0, "threshold": 6, "op": ">="},
        # 175,000 ÷ 700,000 off list price
        {"metric": "discount_rate", "value": 0.25, "threshold": 0.2, "op": ">="},
        {"metric": "days_to_pay", "value": 150.0, "threshold": 120, "op": ">="},
        # 40,000 ÷ (525,000 + 40,000)
        {"metric": "return_rate", "value": 0.0708, "threshold": 0.05, "op": ">="},
        # 34,125 ÷ 525,000
        {"metric": "cost_to_serve_rate", "value": 0.065, "threshold": 0.06, "op": ">="},
    ]
    # 80% collected is not below 70%: not a sign
    with translation.override("en"):
        assert squeezer.summary == (
            "Margin squeezer, 4 warning signs: Discount rate 25.0% (limit ≥ 20.0%); Days to "
            "pay 150 (limit ≥ 120); Return rate 7.1% (limit ≥ 5.0%); Cost to serve ÷ revenue "
            "6.5% (limit ≥ 6.0%)."
        )
    with translation.override("zh-hans"):
        assert "扒皮大户" in squeezer.summary


def test_evidence_is_json_ready(flags):
    for flag in flags.values():
        json.dumps(flag.as_dict())


def test_genuine_key_account_and_ordinary_customers_are_not_flagged(flags):
    flagged = {account for account, _kind in flags}
    assert 1 not in flagged  # 36 months, 30% margin, 35 days, 3% discount
    assert not flagged & set(range(101, 109))
    assert 6 not in flagged  # one small order: a one-off shape, but not material


def test_a_small_one_off_is_flagged_once_it_is_material():
    # at 3.5M the sorted revenues run … 480k, 3M, 3.5M, 6.3M …: the 75th percentile is
    # 3M + 0.75 × 0.5M = 3.375M, and 3.5M clears it
    months, costs = portfolio(
        small=[
            {
                "account_id": 6,
                "month": date(2025, 11, 1),
                "revenue": 3_500_000,
                "cost": 2_500_000,
                "orders": 1,
                "lines": 2,
                "quantity": 2,
                "collected": 3_500_000,
            },
        ]
    )
    kinds = {(f.account_id, f.kind) for f in run(months, costs)}
    assert (6, ONE_OFF_BIG_TICKET) in kinds


def test_a_repeat_order_in_a_fourth_month_is_not_a_one_off():
    group = [
        {"account_id": 2, "month": date(2025, m, 1), "revenue": 10_000, "orders": 1, "lines": 1}
        for m in (1, 2, 3)
    ]
    group.append(
        {"account_id": 2, "month": date(2025, 4, 1), "revenue": 3_000_000, "orders": 1, "lines": 45}
    )
    kinds = {(f.account_id, f.kind) for f in run(*portfolio(group=group))}
    assert (2, GROUP_BUY) not in kinds


def test_thin_gross_margin_squeezer_carries_both_flags():
    # same squeezer at cost 490,000: gross margin 35,000 ÷ 525,000 = 6.7% < 8% — poor
    # before any squeezing, so it is a low-profit volume buyer as well
    squeezer = monthly(
        5,
        every_month(date(2024, 1, 1), date(2025, 12, 1)),
        revenue=525_000,
        cost=490_000,
        days=150,
        collected=420_000,
        discount=175_000,
        return_amount=40_000,
        orders=2,
        lines=6,
    )
    kinds = {(f.account_id, f.kind) for f in run(*portfolio(squeezer=squeezer))}
    assert (5, SQUEEZER) in kinds
    assert (5, LOW_PROFIT_VOLUME) in kinds


def test_a_squeezers_thin_net_margin_is_told_once():
    # gross margin 10%, cost to serve 8% and financing eat the rest: net margin < 2%, but
    # that is the squeezing, already flagged
    months = every_month(date(2024, 1, 1), date(2025, 12, 1))
    squeezer = monthly(
        5,
        months,
        revenue=525_000,
        cost=472_500,
        days=150,
        collected=420_000,
        discount=175_000,
        return_amount=40_000,
        orders=2,
        lines=6,
    )
    rows, costs = portfolio(squeezer=squeezer)
    costs = [c for c in costs if c["account_id"] != 5]
    costs += [
        {"account_id": 5, "month": m, "category": "service", "amount": 42_000} for m in months
    ]
    flags = {f.kind: f for f in run(rows, costs) if f.account_id == 5}
    assert set(flags) == {SQUEEZER}
    # …whereas the same numbers without the squeezing signs are a low-profit volume buyer
    plain = monthly(5, months, revenue=525_000, cost=472_500, days=30, orders=2, lines=6)
    costs = [c for c in costs if c["account_id"] != 5]
    costs += [
        {"account_id": 5, "month": m, "category": "service", "amount": 52_000} for m in months
    ]
    flags = {f.kind: f for f in run(*(portfolio(squeezer=plain)[0], costs)) if f.account_id == 5}
    assert set(flags) == {LOW_PROFIT_VOLUME}
    assert item(flags[LOW_PROFIT_VOLUME], "net_margin")["op"] == "<"


def test_unpaid_revenue_counts_as_a_sign_only_while_owed():
    # pays 60% of what it buys, 25% discount, nothing else: two signs, a squeezer
    months = every_month(date(2024, 1, 1), date(2025, 12, 1))
    slow = monthly(
        5,
        months,
        revenue=525_000,
        cost=400_000,
        days=60,
        collected=315_000,
        discount=175_000,
        orders=2,
        lines=6,
    )
    rows, costs = portfolio(squeezer=slow)
    flag = next(f for f in run(rows, costs) if f.account_id == 5)
    assert item(flag, "collection_rate") == {
        "metric": "collection_rate",
        "value": 0.6,
        "threshold": 0.7,
        "op": "<",
    }
    assert item(flag, "receivables")["op"] == ">"


def test_thresholds_come_from_the_policy():
    strict = Policy(flags=FlagPolicy(volume_max_gross_margin=0.04))
    kinds = {(f.account_id, f.kind) for f in run(*portfolio(), policy=strict)}
    assert (4, LOW_PROFIT_VOLUME) not in kinds  # 5% is not below 4%


def test_lifetime_materiality_basis_is_available():
    # the 75th percentile of lifetime revenue (genuine: 34.92M over three years) is higher;
    # lifetime revenues: 20k, 240k … 11.52M … — the group buy's 3M no longer clears it
    lifetime = Policy(flags=FlagPolicy(one_off_material_basis="lifetime"))
    kinds = {(f.account_id, f.kind) for f in run(*portfolio(), policy=lifetime)}
    assert (3, ONE_OFF_BIG_TICKET) in kinds  # 5.01M still does
    assert (2, GROUP_BUY) not in kinds


def test_flag_kinds_frame(flags):
    kinds = flag_kinds(list(flags.values()))
    assert dict(kinds.sort("account_id").iter_rows()) == {
        2: [GROUP_BUY],
        3: [ONE_OFF_BIG_TICKET],
        4: [LOW_PROFIT_VOLUME],
        5: [SQUEEZER],
    }
    assert flag_kinds([]).schema == pl.Schema({"account_id": pl.Int64, "flags": pl.List(pl.String)})


# ---------------------------------------------------------------- the kind of a one-off
# What was bought decides it, against the company's usual unit price (¥500 in this
# portfolio): the number of lines never does.


def one_off(lines: int, units: int, month=date(2025, 4, 1)) -> list[dict]:
    """Account 2's only purchase: ¥3,000,000 on `lines` lines totalling `units` units."""
    return [
        {
            "account_id": 2,
            "month": month,
            "revenue": 3_000_000,
            "cost": 2_400_000,
            "orders": 1,
            "lines": lines,
            "quantity": units,
            "collected": 3_000_000,
        }
    ]


def kind_of(rows: list[dict]) -> list[str]:
    return [f.kind for f in run(*portfolio(group=rows)) if f.account_id == 2]


@pytest.mark.parametrize(
    ("lines", "units", "kind"),
    [
        (1, 6_000, GROUP_BUY),  # one line of many units at the usual price
        (45, 6_000, GROUP_BUY),  # many lines of such
        (1, 1, ONE_OFF_BIG_TICKET),  # one unit far above the usual price
        (3, 3, ONE_OFF_BIG_TICKET),  # a few such lines
    ],
    ids=["one-line-group-buy", "many-lines-group-buy", "one-big-ticket", "few-big-tickets"],
)
def test_the_kind_of_a_one_off_is_decided_by_what_was_bought(lines, units, kind):
    assert kind_of(one_off(lines, units)) == [kind]


def test_without_units_the_amount_per_line_stands_in_for_the_price():
    # ¥3,000,000 on one line against the usual ¥2,500-ish a line: a big ticket, and the
    # evidence says which measure it used
    flag = run(*portfolio(group=one_off(1, 0)))[0]
    assert flag.kind == ONE_OFF_BIG_TICKET
    assert item(flag, "line_amount_ratio")["op"] == ">="
    with translation.override("en"):
        assert "amount per line (the data has no units)" in flag.summary


def test_a_one_off_older_than_the_look_back_is_not_a_false_key_account_of_the_period():
    # bought in 2023-12, 13 months before 2025 starts: nothing about 2025 (it has an open
    # receivable, so it is in the period's metrics all the same)
    rows = one_off(1, 6_000, month=date(2023, 12, 1))
    rows[0]["collected"] = 0
    rows[0]["tracked_revenue"] = 3_000_000
    assert kind_of(rows) == []
    assert kind_of(one_off(1, 6_000, month=date(2024, 1, 1))) == [GROUP_BUY]


def test_the_sentence_names_exactly_the_triggered_criteria_with_the_figures_rounding():
    # a discount of 29.45% rounds to 29.5% in the sentence as in the figures (once 29.4%
    # vs 29.5%); 80% collected and 35 days to pay did not trigger and are not named
    squeezer = monthly(
        5,
        every_month(date(2024, 1, 1), date(2025, 12, 1)),
        revenue=525_000,
        cost=400_000,
        days=35,
        collected=420_000,
        discount=219_191,  # 219,191 ÷ 744,191 = 0.294535…
        return_amount=40_000,
        orders=2,
        lines=6,
        quantity=1_000,
    )
    flag = next(f for f in run(*portfolio(squeezer=squeezer)) if f.kind == SQUEEZER)
    named = [e["metric"] for e in flag.evidence]
    assert named == ["orders_per_year", "discount_rate", "return_rate", "cost_to_serve_rate"]
    with translation.override("en"):
        assert flag.summary.startswith("Margin squeezer, 3 warning signs: Discount rate 29.5%")
        assert "Days to pay" not in flag.summary and "collected" not in flag.summary
