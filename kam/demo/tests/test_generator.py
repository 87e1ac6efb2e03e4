"""The generated demo company, checked as plain data (no database).

The planted false key accounts (METHODOLOGY M1.6) and the genuine ones must have the
shape their story says, at the full size and at the tiny test size, or the analytics
built on them would be tested against the wrong thing.
"""

import csv
import itertools
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from functools import cache

import pytest
from stdnum.cn import uscc

from kam.accounts.choices import AccountStatus, TeamRole
from kam.demo import generator as g
from kam.users.choices import Role

SMALL = 0.05


@cache
def demo(scale: float) -> g.DemoData:
    return g.generate(seed=2026, scale=scale)


@cache
def facts(scale: float) -> dict[str, dict]:
    return g.summarize(demo(scale).iter_lines())


@cache
def cost_to_serve(scale: float) -> Counter:
    totals: Counter = Counter()
    for cost in demo(scale).costs:
        totals[cost.account_code] += cost.amount
    return totals


def margin(s: dict) -> float:
    return (s["revenue"] - s["cost"]) / s["revenue"]


def discount_share(s: dict) -> float:
    return s["discount"] / (s["revenue"] + s["discount"])


def days_to_pay(s: dict) -> float:
    return s["paid_days"] / s["paid"]


def codes_of(kind: str) -> list[str]:
    return [code for code, k in g.PLANTED.items() if k == kind]


# --- determinism and size ---------------------------------------------------------------


def test_same_seed_and_scale_give_identical_data():
    first = g.generate(seed=7, scale=SMALL).digest()
    assert g.generate(seed=7, scale=SMALL).digest() == first
    assert g.generate(seed=8, scale=SMALL).digest() != first


def test_csv_is_identical_for_the_same_seed(tmp_path):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    g.generate(seed=3, scale=SMALL).write_csv(one)
    g.generate(seed=3, scale=SMALL).write_csv(two)
    assert one.read_bytes() == two.read_bytes()


def test_small_scale_counts():
    data = demo(SMALL)
    assert len(data.accounts) == g.MIN_ACCOUNTS
    assert len(data.users) == 33
    assert 190 <= len(data.products) <= 220
    lines = sum(s["lines"] for s in facts(SMALL).values())
    assert 0.8 * g.BASE_LINES * SMALL <= lines <= 1.3 * g.BASE_LINES * SMALL
    per_account = Counter(c.account_code for c in data.contacts)
    charted = {p.account_code for p in data.chain.people}  # these have org charts instead
    assert set(per_account) == {a.code for a in data.accounts} - charted
    assert all(2 <= n <= 6 for n in per_account.values())
    assert len(data.costs) > len(data.accounts)


def test_full_scale_has_300_accounts_and_150000_lines():
    data = demo(1.0)
    assert 290 <= len(data.accounts) <= 310
    assert sum(s["lines"] for s in facts(1.0).values()) >= 150_000


def test_lines_grow_linearly_with_scale():
    small = sum(s["lines"] for s in facts(0.5).values())
    full = sum(s["lines"] for s in facts(1.0).values())
    assert 1.8 <= full / small <= 2.2


# --- the portfolio tells a story ----------------------------------------------------------


def test_top_ten_share_is_near_half_with_a_rising_trend():
    shares = {}
    for year in g.YEARS:
        revenue = sorted((s["by_year"][year] for s in facts(1.0).values()), reverse=True)
        shares[year] = sum(revenue[:10]) / sum(revenue)
    assert all(0.4 <= share <= 0.6 for share in shares.values()), shares
    assert shares[2023] < 0.5 < shares[2025], shares
    assert shares[2023] < shares[2024] < shares[2025], shares


def test_chinese_new_year_month_buys_less():
    by_month: Counter = Counter()
    for line in demo(1.0).iter_lines():
        by_month[(line.day.year, line.day.month)] += line.amount
    for year in g.YEARS:
        cny = g.new_year(year)
        average = sum(by_month[(year, m)] for m in range(1, 13)) / 12
        assert by_month[(year, cny.month)] < 0.75 * average


def test_some_accounts_grow_and_some_decline():
    years = [s["by_year"] for s in facts(1.0).values() if s["by_year"][2023] > 0]
    assert sum(1 for y in years if y[2025] > 1.3 * y[2023]) >= 20
    assert sum(1 for y in years if y[2025] < 0.7 * y[2023]) >= 20


# --- planted accounts -------------------------------------------------------------------


def test_planted_codes_exist_with_enough_of_each_kind():
    kinds = Counter(g.PLANTED.values())
    assert kinds[g.GENUINE_KEY] >= 3
    for kind in (g.GROUP_BUY, g.ONE_OFF_BIG_TICKET, g.LOW_PROFIT_VOLUME, g.SQUEEZER):
        assert kinds[kind] >= 2
    for scale in (SMALL, 1.0):
        by_code = {a.code: a for a in demo(scale).accounts}
        for code, kind in g.PLANTED.items():
            assert by_code[code].kind == kind
            assert by_code[code].status == AccountStatus.ACTIVE


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_group_buy_is_one_big_order_never_repeated(scale):
    for code in codes_of(g.GROUP_BUY):
        s = facts(scale)[code]
        assert len(s["orders"]) == 1
        assert s["lines"] >= 20
        assert s["return_lines"] == 0
        assert s["revenue"] >= 2_000_000_00


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_one_off_is_a_single_big_ticket_and_little_else(scale):
    big_tickets = {p.code for p in demo(scale).products if p.big_ticket}
    for code in codes_of(g.ONE_OFF_BIG_TICKET):
        lines = [line for line in demo(scale).iter_lines() if line.customer_code == code]
        biggest = max(lines, key=lambda line: line.amount)
        assert biggest.product_code in big_tickets
        assert biggest.quantity == 1
        assert biggest.amount >= 0.95 * sum(line.amount for line in lines)
        assert len({line.order_no for line in lines}) <= 4


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_low_profit_volume_buys_much_and_often_but_earns_nothing(scale):
    ranked = sorted(facts(scale), key=lambda code: -facts(scale)[code]["revenue"])
    for code in codes_of(g.LOW_PROFIT_VOLUME):
        s = facts(scale)[code]
        assert code in ranked[:10]
        assert len(s["months"]) == 36
        assert len(s["orders"]) >= 36 * 5
        assert 0.02 <= margin(s) <= 0.045
        cts = cost_to_serve(scale)[code] / s["revenue"]
        assert cts >= 0.05
        assert margin(s) - cts <= 0.01  # net contribution negative or tiny


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_squeezer_discounts_deep_pays_late_returns_often(scale):
    for code in codes_of(g.SQUEEZER):
        s = facts(scale)[code]
        assert 0.25 <= discount_share(s) <= 0.35
        assert days_to_pay(s) > 150
        assert s["unpaid"] > 0.1 * s["revenue"]
        assert s["return_lines"] >= 0.04 * s["lines"]
        assert cost_to_serve(scale)[code] >= 0.06 * s["revenue"]
        assert len(s["months"]) >= 30


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_genuine_key_accounts_look_like_none_of_the_false_kinds(scale):
    for code in codes_of(g.GENUINE_KEY):
        s = facts(scale)[code]
        assert len(s["months"]) >= 30
        assert 0.25 <= margin(s) <= 0.35
        assert days_to_pay(s) <= 45
        assert discount_share(s) < 0.10
        assert s["return_lines"] <= 0.02 * s["lines"]
        assert cost_to_serve(scale)[code] <= 0.035 * s["revenue"]
        assert s["unpaid"] < 0.08 * s["revenue"]  # only the last weeks' invoices are open


@pytest.mark.parametrize("scale", [SMALL, 1.0])
def test_ordinary_accounts_never_look_extreme(scale):
    kinds = {a.code: a.kind for a in demo(scale).accounts}
    ordinary = [s for code, s in facts(scale).items() if kinds[code] == g.ORDINARY]
    assert ordinary
    for s in ordinary:
        assert discount_share(s) < 0.10
        assert 0.15 <= margin(s) <= 0.35
        assert days_to_pay(s) < 100
        assert len(s["orders"]) >= 3  # never a one-time buyer


# --- accounts, people and the CSV -------------------------------------------------------


def test_accounts_have_valid_codes_owners_and_groups():
    data = demo(1.0)
    users = {u.username: u for u in data.users}
    codes = [a.code for a in data.accounts]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"C\d{5}", code) for code in codes)
    assert len({a.name for a in data.accounts}) == len(codes)
    with_uscc = [a.uscc for a in data.accounts if a.uscc]
    assert len(with_uscc) >= 0.8 * len(codes)
    assert all(uscc.is_valid(code) for code in with_uscc)
    for account in data.accounts:
        owner = users[account.owner]
        assert owner.role == Role.KAM and owner.region_code == account.region_code
        assert all(username in users for username, _role in account.team)
    children = Counter(a.parent_code for a in data.accounts if a.parent_code)
    assert len(children) >= 5
    assert all(2 <= n <= 5 for n in children.values())
    assert sum(1 for a in data.accounts if a.referred_by_code) >= 20
    statuses = Counter(a.status for a in data.accounts)
    assert statuses[AccountStatus.ACTIVE] > 0.7 * len(codes)
    assert statuses[AccountStatus.DORMANT] and statuses[AccountStatus.LOST]


def test_big_accounts_have_a_full_team():
    data = demo(1.0)
    for code in codes_of(g.GENUINE_KEY)[:2]:
        account = next(a for a in data.accounts if a.code == code)
        roles = {role for _user, role in account.team}
        assert {TeamRole.EXECUTIVE_SPONSOR, TeamRole.TECHNICAL_LEAD} <= roles
        assert {TeamRole.SERVICE_LEAD, TeamRole.FINANCE} <= roles


def test_users_cover_every_role_and_region():
    users = demo(SMALL).users
    roles = Counter(u.role for u in users)
    assert roles[Role.EXECUTIVE] == 1 and roles[Role.KA_DIRECTOR] == 1
    assert roles[Role.REGIONAL_MANAGER] == 6
    assert 18 <= roles[Role.KAM] <= 22
    assert roles[Role.SPECIALIST] >= 2 and roles[Role.FINANCE] >= 1
    boss = next(u for u in users if u.username == "boss")
    assert boss.is_superuser
    assert {u.region_code for u in users if u.role == Role.KAM} == {
        code for _name, code in demo(SMALL).regions
    }


def test_contacts_look_real():
    for contact in demo(SMALL).contacts:
        assert re.fullmatch(r"1[3-9]\d{9}", contact.phone)
        assert re.fullmatch(r"[a-z]+@[a-z0-9]+\.example\.com", contact.email)
        assert 2 <= len(contact.name) <= 3 and contact.title


def test_csv_rows_add_up(tmp_path):
    path = tmp_path / "orders.csv"
    count = demo(SMALL).write_csv(path)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == g.CSV_HEADERS
    assert len(rows) == count + 1
    keys = set()
    for row in rows[1:]:
        record = dict(zip(g.CSV_HEADERS, row, strict=True))
        quantity, price = Decimal(record["数量"]), Decimal(record["单价"])
        amount, discount = Decimal(record["金额"]), Decimal(record["折扣额"])
        assert amount == quantity * price - discount
        assert re.fullmatch(r"-?\d+\.\d{2}", record["金额"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["日期"])
        assert g.FIRST_DAY.isoformat() <= record["日期"] <= g.LAST_DAY.isoformat()
        assert (quantity < 0) == (amount < 0)
        if record["回款日期"]:
            assert record["日期"] <= record["回款日期"] <= g.LAST_DAY.isoformat()
        keys.add((record["单据编号"], record["行号"]))
    assert len(keys) == count  # the importer's natural key never repeats


def test_stages_follow_the_story():
    from kam.accounts.choices import RelationshipStage, SalesStage

    data = g.generate(seed=2026, scale=1.0)
    for account in data.accounts:
        sales, relationship = g.stages_of(account)
        kind = g.PLANTED.get(account.code)
        if kind == g.GENUINE_KEY:
            assert sales == SalesStage.SOLE
            assert relationship in (RelationshipStage.INTERDEPENDENT, RelationshipStage.ALLIANCE)
        elif kind in (g.GROUP_BUY, g.ONE_OFF_BIG_TICKET):
            assert (sales, relationship) == (SalesStage.TRIAL, RelationshipStage.EXPLORATORY)


def test_stage_history_leads_step_by_step_to_the_stage_within_the_demo_years():
    data = g.generate(seed=2026, scale=1.0)
    for account in data.accounts:
        sales, relationship = g.stages_of(account)
        moves = g.stage_history(account)
        for name, final in (("sales_stage", sales), ("relationship_stage", relationship)):
            path = [(old, new) for _day, field, old, new, _why in moves if field == name]
            assert [new for _old, new in path][-1:] == ([str(final)] if path else [])
            assert all(a[1] == b[0] for a, b in itertools.pairwise(path))
        assert all(g.FIRST_DAY <= day <= g.LAST_DAY and why for day, *_rest, why in moves)


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 12, 1), date(2023, 12, 1), date(2026, 11, 30)),
        (date(2027, 3, 15), date(2024, 3, 1), date(2027, 2, 28)),
        (date(2026, 1, 1), date(2023, 1, 1), date(2025, 12, 31)),  # the reference day
    ],
    ids=str,
)
def test_the_history_ends_last_month_whatever_today_is(today, first, last):
    """Three years of history, the last month the one before `today`: orders, payments,
    returns, costs and stage moves all fall inside it."""
    data = g.generate(seed=2026, scale=SMALL, today=today)
    assert (data.calendar.first_day, data.calendar.last_day) == (first, last)
    days = [line.day for line in data.iter_lines()]
    assert min(days).replace(day=1) == first and max(days).replace(day=1) == last.replace(day=1)
    paid = [line.paid_date for line in data.iter_lines() if line.paid_date]
    assert max(paid) <= last
    assert first <= min(c.date for c in data.costs) and max(c.date for c in data.costs) <= last
    for account in data.accounts:
        assert all(first <= day <= last for day, *_rest in g.stage_history(account))


def test_the_reference_day_gives_the_published_calendar():
    """Tests and benchmarks that take the default day see 2023–2025, as they always did."""
    data = g.generate(seed=7, scale=SMALL)
    assert data.calendar == g.REFERENCE and g.YEARS == (2023, 2024, 2025)
    assert (date(2023, 1, 1), date(2025, 12, 31)) == (g.FIRST_DAY, g.LAST_DAY)


def test_most_key_accounts_are_judged_with_the_story_s_potential():
    data = g.generate(seed=2026, scale=1.0)
    keys = g.key_accounts(data.accounts)
    judged = {p.account_code: p for p in data.potentials}
    assert len(judged) >= 0.75 * len(keys) and set(judged) <= {a.code for a in keys}
    assert len(judged) < len(keys)  # some not yet, so "not assessed" shows too
    for code, kind in g.PLANTED.items():
        if kind == g.GENUINE_KEY:
            assert judged[code].strategic_fit == 5, code
        elif kind in (g.LOW_PROFIT_VOLUME, g.SQUEEZER):
            assert judged[code].strategic_fit <= 2, code
    for potential in judged.values():
        assert potential.wallet > 0 and 0 < float(potential.share) < 1


def test_checklists_are_ticked_as_far_as_each_account_s_stages():
    """Every item of each stage an account has passed is proven; of its current stage
    some, never all (it would have moved on); of later stages none."""
    from kam.accounts import stages

    data = g.generate(seed=2026, scale=SMALL)
    ticked = {(c.account_code, c.track, c.stage, c.item) for c in data.checks}
    for account in data.accounts:
        for track, current in zip(("sales", "relationship"), g.stages_of(account), strict=True):
            keys = stages.stage_keys(track)
            for stage in stages.stages(track):
                items = {(account.code, track, stage.key, i.key) for i in stage.checklist}
                done = items & ticked
                position = keys.index(stage.key) - keys.index(current)
                if position < 0:
                    assert done == items, (account.code, stage.key)
                elif position == 0:
                    assert len(done) < len(items), (account.code, stage.key)
                else:
                    assert not done, (account.code, stage.key)
