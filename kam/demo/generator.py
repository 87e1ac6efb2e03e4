"""The demo company 华东精密工业, generated deterministically and without a database.

An industrial supplier (bearings, valves, pumps, motors, sensors, seals, spare parts and
maintenance services) with about 300 customers in six regions and three years of order
lines. The data tells a story the analytics must be able to read (METHODOLOGY M1): a
Pareto-shaped portfolio whose top ten customers' share crosses the 50% minimum, Chinese
New Year dips, growers and decliners, and planted false key accounts (M1.6) next to true
ones. `PLANTED` names them so tests and demos can check that the analytics find them.

Everything comes from `random.Random` seeded with the seed and a name, one stream per
account, so the same seed and scale always give the same data, and order lines can be
streamed account by account instead of held in memory (scale 10 is 1.6 million lines).
"""

from __future__ import annotations

import bisect
import collections
import csv
import hashlib
import itertools
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import NamedTuple

from stdnum.cn import uscc as stdnum_uscc

from kam.accounts import stages as account_stages
from kam.accounts.choices import (
    AccountStatus,
    RelationshipStage,
    SalesStage,
    StageTrack,
    TeamRole,
)
from kam.users.choices import Role
from kam.value.analytics.periods import add_months

from . import chain as decision_chain
from . import names
from .chain import PLANTED_CHAIN

DEMO_PASSWORD = "kam-demo-2026"
COMPANY_NAME = "华东精密工业"

HISTORY_MONTHS = 36  # three years of order lines, ending the month before "today"

BASE_ACCOUNTS = 300
BASE_LINES = 165_000  # aimed above the promised 150,000 so randomness never falls short
MIN_ACCOUNTS = 30  # room for every planted code and one group even at tiny scales
MEAN_LINES_PER_ORDER = 3.0

# The top ten customers' share of each of the three years' revenue (M1.5): below the 50%
# minimum in the first, then a rising trend, so the health page has something to say.
TOP10_SHARE = (0.46, 0.515, 0.545)

ORDINARY = "ordinary"
GROUP_BUY = "group_buy"
ONE_OFF_BIG_TICKET = "one_off_big_ticket"
LOW_PROFIT_VOLUME = "low_profit_volume"
SQUEEZER = "squeezer"
GENUINE_KEY = "genuine_key"

# code, kind, region, industry, revenue targets in yuan for each of the three years of
# history, and for the one-time kinds the month index of the event (0 = the history's
# first month) and, for big tickets, which.
_PLANTED_PROFILES: tuple[tuple, ...] = (
    ("C00003", GENUINE_KEY, "HD", "汽车零部件", (86e6, 98e6, 112e6), None, None),
    ("C00004", LOW_PROFIT_VOLUME, "HD", "钢铁", (58e6, 62e6, 64e6), None, None),
    ("C00006", GENUINE_KEY, "HN", "制药", (34e6, 41e6, 48e6), None, None),
    ("C00008", SQUEEZER, "HN", "造纸", (19e6, 20e6, 19e6), None, None),
    ("C00011", GENUINE_KEY, "HB", "电力", (24e6, 26e6, 29e6), None, None),
    ("C00013", GROUP_BUY, "HB", "水务", (0, 4.6e6, 0), 16, None),
    ("C00015", LOW_PROFIT_VOLUME, "HZ", "化工", (30e6, 29e6, 27e6), None, None),
    ("C00017", ONE_OFF_BIG_TICKET, "HZ", "机械制造", (6.8e6, 0, 0), 8, 0),
    ("C00019", GENUINE_KEY, "HD", "食品饮料", (13e6, 17e6, 22e6), None, None),
    ("C00022", SQUEEZER, "XN", "化工", (10e6, 11e6, 10.5e6), None, None),
    ("C00025", ONE_OFF_BIG_TICKET, "HN", "食品饮料", (0, 0, 9.6e6), 29, 1),
    ("C00027", GROUP_BUY, "XB", "轨道交通", (0, 0, 3.1e6), 27, None),
)


class _Planted(dict):
    """The planted accounts, code → kind (iterating gives only these). The decision
    chain's planted facts (chain.PLANTED_CHAIN: "minefield", "covered", "hostile",
    "association_path") answer by key as well, without joining the iteration, so the
    many loops over the planted accounts stay as they are."""

    def __missing__(self, key):
        return PLANTED_CHAIN[key]

    def get(self, key, default=None):
        return self[key] if key in self or key in PLANTED_CHAIN else default


PLANTED: dict = _Planted({code: kind for code, kind, *_rest in _PLANTED_PROFILES})

CSV_HEADERS = (
    "客户编码",
    "客户名称",
    "单据编号",
    "行号",
    "日期",
    "存货编码",
    "存货名称",
    "数量",
    "单价",
    "金额",
    "成本",
    "折扣额",
    "回款金额",
    "回款日期",
)


# ---------------------------------------------------------------------------------------
# Calendar


# Chinese New Year (春节), by year: the plants' long holiday.
CNY = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
}


def new_year(year: int) -> date:
    """春节 of the year; outside the table, its usual place (early February) will do."""
    return CNY.get(year, date(year, 2, 5))


@dataclass(frozen=True)
class Calendar:
    """The months the demo's history covers: HISTORY_MONTHS of them, the last one the
    month before `today`, so the demo looks like a company on the day it is loaded.
    Month indexes count from the first month; "year" i of the story is months
    12i … 12i + 11 (a calendar year only when the history starts in January)."""

    months: tuple[tuple[int, int], ...]

    @classmethod
    def ending_before(cls, today: date) -> Calendar:
        last = add_months(today.replace(day=1), -1)
        first = add_months(last, 1 - HISTORY_MONTHS)
        return cls(
            tuple((d.year, d.month) for d in (add_months(first, n) for n in range(HISTORY_MONTHS)))
        )

    @property
    def first_day(self) -> date:
        return date(*self.months[0], 1)

    @property
    def last_day(self) -> date:
        return add_months(date(*self.months[-1], 1), 1) - timedelta(days=1)

    @property
    def years(self) -> tuple[int, ...]:
        """The calendar years the history touches, in order."""
        return tuple(sorted({year for year, _month in self.months}))

    def share(self, month_index: int) -> float:
        """The month's part of its calendar year's seasonal demand."""
        year, month = self.months[month_index]
        weights = season(year)
        return weights[month - 1] / sum(weights)


# The day the published examples, the tests and the benchmarks pretend it is, so the same
# seed and scale give the same data on any day; `kam demo` passes the real today.
REFERENCE_TODAY = date(2026, 1, 1)
REFERENCE = Calendar.ending_before(REFERENCE_TODAY)
YEARS = REFERENCE.years  # 2023, 2024, 2025
FIRST_DAY = REFERENCE.first_day
LAST_DAY = REFERENCE.last_day
MONTHS = REFERENCE.months
_BASE_SEASON = (1.0, 1.0, 1.05, 1.0, 0.95, 1.1, 0.95, 0.95, 1.05, 0.85, 1.05, 1.15)


@cache
def season(year: int) -> tuple[float, ...]:
    """Monthly weights: plants close around Chinese New Year, so that month (and the one
    beside it) buys less; June and December carry half-year and year-end pushes."""
    weights = list(_BASE_SEASON)
    cny_month = new_year(year).month - 1
    weights[cny_month] *= 0.55
    weights[1 if cny_month == 0 else 0] *= 0.85
    return tuple(weights)


@cache
def _holidays(year: int) -> frozenset[date]:
    cny = new_year(year)
    days = {date(year, 1, 1)}
    days |= {cny + timedelta(days=d) for d in range(-2, 7)}
    days |= {date(year, 5, d) for d in range(1, 6)}
    days |= {date(year, 10, d) for d in range(1, 8)}
    return frozenset(days)


@cache
def business_days(year: int, month: int) -> tuple[date, ...]:
    """Monday to Saturday outside the public holidays: when Chinese plants place orders."""
    day = date(year, month, 1)
    out = []
    while day.month == month:
        if day.weekday() < 6 and day not in _holidays(year):
            out.append(day)
        day += timedelta(days=1)
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Data shapes


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    family: str
    price: int  # list price in fen (cents), so money stays exact
    cost: int  # unit cost in fen
    big_ticket: bool = False

    @property
    def cost_ratio(self) -> float:
        return self.cost / self.price


@dataclass(frozen=True)
class UserSpec:
    username: str
    last_name: str
    first_name: str
    role: str
    department: str
    region_code: str = ""
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@kam-demo.example.com"


@dataclass(frozen=True)
class Terms:
    """How an account buys, pays and costs us; these knobs make each kind look like itself."""

    discount: float  # base discount off list price
    volume_discount: bool  # larger lines earn up to 3 points more
    deep_discount: tuple[float, float] | None = None  # squeezers: a range off list per line
    cost_plus: tuple[float, float] | None = None  # low-profit volume: price = cost × (1 + x)
    pay_days: int = 45
    pay_sd: int = 8
    pay_range: tuple[int, int] = (20, 99)
    unpaid_share: float = 0.0
    partial_share: float = 0.0
    return_share: float = 0.02
    cts_rate: float = 0.02  # cost to serve as a share of revenue
    cts_mix: str = ORDINARY


@dataclass
class AccountSpec:
    index: int
    code: str
    kind: str
    region_code: str
    city: str
    industry: str
    name: str
    short_name: str
    uscc: str
    email_domain: str
    targets: tuple[float, float, float]  # yearly revenue at full activity, yuan
    terms: Terms
    first_month: int = 0
    last_month: int = HISTORY_MONTHS - 1
    status: str = AccountStatus.ACTIVE
    parent_code: str | None = None
    referred_by_code: str | None = None
    owner: str = ""
    team: tuple[tuple[str, str], ...] = ()  # (username, TeamRole) besides the owner
    order_rate: float = 0.0  # expected orders a month
    catalogue: tuple[int, ...] = ()  # product indexes, cheapest first
    prices: tuple[int, ...] = ()  # the catalogue's list prices, for bisecting
    event_month: int | None = None
    big_ticket: int | None = None
    calendar: Calendar = field(default=REFERENCE, repr=False)

    @property
    def buys(self) -> bool:
        return self.status != AccountStatus.PROSPECT

    def active_in(self, month_index: int) -> bool:
        return self.buys and self.first_month <= month_index <= self.last_month


@dataclass(frozen=True)
class ContactSpec:
    account_code: str
    name: str
    title: str
    department: str
    phone: str
    email: str


@dataclass(frozen=True)
class PotentialSpec:
    """The scorecard inputs (M1.3) the owner of a key account has judged."""

    account_code: str
    wallet: int  # yuan a year the customer spends in our category, from us and others
    share: str  # our part of it, "0.4500"
    growth_outlook: int
    influence: int
    referral_power: int
    strategic_fit: int
    note: str


@dataclass(frozen=True)
class CheckSpec:
    """One checklist item (stages.py) proven on an account, by its owner."""

    account_code: str
    track: str
    stage: str
    item: str
    note: str


@dataclass(frozen=True)
class CostSpec:
    account_code: str
    date: date
    category: str
    amount: int  # fen
    note: str


class Line(NamedTuple):
    """One order line as the ERP export has it; money in fen, returns negative."""

    customer_code: str
    customer_name: str
    order_no: str
    line_no: int
    day: date
    product_code: str
    product_name: str
    quantity: int
    unit_price: int
    amount: int
    cost: int
    discount: int
    paid: int | None
    paid_date: date | None


@dataclass
class DemoData:
    seed: int
    scale: float
    regions: tuple[tuple[str, str], ...]
    users: list[UserSpec]
    products: list[Product]
    accounts: list[AccountSpec]
    calendar: Calendar = REFERENCE
    contacts: list[ContactSpec] = field(default_factory=list)
    costs: list[CostSpec] = field(default_factory=list)
    potentials: list[PotentialSpec] = field(default_factory=list)
    checks: list[CheckSpec] = field(default_factory=list)
    chain: decision_chain.Chain = field(default_factory=decision_chain.Chain)

    def iter_lines(self) -> Iterator[Line]:
        """All order lines, account by account; regenerated on every call to spare memory."""
        for account in self.accounts:
            yield from account_lines(self, account)

    def write_csv(self, path: str | Path) -> int:
        """Write the ERP-style export the importer reads; returns the number of lines."""
        count = 0
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADERS)
            for line in self.iter_lines():
                writer.writerow(csv_row(line))
                count += 1
        return count

    def digest(self) -> str:
        """A fingerprint of everything generated, to prove determinism."""
        sha = hashlib.sha256()
        parts = (self.calendar, self.users, self.products, self.accounts)
        for part in (*parts, self.contacts, self.costs, self.chain):
            sha.update(repr(part).encode())
        for line in self.iter_lines():
            sha.update(",".join(csv_row(line)).encode())
        return sha.hexdigest()


def money(fen: int | None) -> str:
    """Plain decimal with two places, as ERP exports write money."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def csv_row(line: Line) -> list[str]:
    return [
        line.customer_code,
        line.customer_name,
        line.order_no,
        str(line.line_no),
        line.day.isoformat(),
        line.product_code,
        line.product_name,
        str(line.quantity),
        money(line.unit_price),
        money(line.amount),
        money(line.cost),
        money(line.discount),
        money(line.paid),
        line.paid_date.isoformat() if line.paid_date else "",
    ]


# ---------------------------------------------------------------------------------------
# Small random helpers


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _weighted_pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    """(surname, given name, surname pinyin, given pinyin)."""
    surname, s_py = rng.choice(names.SURNAMES)
    given, g_py = rng.choice(names.GIVEN_NAMES)
    return surname, given, s_py, g_py


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


# ---------------------------------------------------------------------------------------
# Products


def make_products(rng: random.Random) -> list[Product]:
    """About 200 products: every spec in a domestic and an imported (or urgent) variant,
    plus a handful of big-ticket equipment sets nobody buys twice."""
    products: list[Product] = []
    for prefix, family, _unit, (c_low, c_high), templates in names.PRODUCT_FAMILIES:
        variants = (
            (("", 1.0), ("（加急）", 1.3)) if prefix == "SV" else (("", 1.0), ("（进口）", 1.7))
        )
        number = 0
        for template, specs, (p_low, p_high) in templates:
            for spec in specs:
                base = math.exp(rng.uniform(math.log(p_low), math.log(p_high)))
                for suffix, factor in variants:
                    number += 1
                    price = _round_price(base * factor)
                    cost = round(price * rng.uniform(c_low, c_high))
                    name = template.format(s=spec) + suffix
                    products.append(Product(f"{prefix}{number:04d}", name, family, price, cost))
    for number, (name, yuan, ratio) in enumerate(names.BIG_TICKET_ITEMS, start=1):
        price = yuan * 100
        products.append(
            Product(f"EQ{number:04d}", name, "成套设备", price, round(price * ratio), True)
        )
    return products


def _round_price(yuan: float) -> int:
    """Catalogue prices are whole yuan above ¥100 and whole jiao below."""
    if yuan >= 100:
        return round(yuan) * 100
    return round(yuan * 10) * 10


# Which product families each industry buys, relative weights.
_INDUSTRY_FAMILIES: dict[str, dict[str, float]] = {
    "钢铁": {"BR": 4, "MO": 3, "SL": 2, "SP": 2, "VA": 1, "PU": 1, "SN": 1, "SV": 1},
    "汽车零部件": {"BR": 3, "MO": 2, "SN": 2, "SP": 2, "SL": 1, "VA": 1, "SV": 1, "PU": 0.5},
    "食品饮料": {"PU": 3, "VA": 3, "SN": 2, "SL": 2, "MO": 1, "SV": 1, "SP": 1, "BR": 1},
    "制药": {"VA": 3, "PU": 3, "SN": 3, "SL": 2, "SV": 1, "MO": 1, "SP": 1, "BR": 0.5},
    "化工": {"PU": 4, "VA": 4, "SL": 3, "SN": 2, "MO": 1, "SP": 1, "SV": 1, "BR": 1},
    "电力": {"PU": 3, "VA": 3, "MO": 2, "BR": 2, "SN": 2, "SL": 1, "SP": 1, "SV": 1},
    "水务": {"PU": 4, "VA": 3, "SN": 2, "MO": 2, "SP": 1, "SL": 1, "SV": 1, "BR": 0.5},
    "造纸": {"BR": 3, "PU": 2, "MO": 2, "SL": 2, "VA": 1, "SP": 1, "SN": 1, "SV": 1},
    "医院": {"PU": 2, "VA": 2, "MO": 1, "SN": 1, "SV": 1.5, "SP": 1, "SL": 0.5, "BR": 0.5},
    "机械制造": {"BR": 3, "MO": 3, "SP": 2, "SN": 1, "SL": 1, "VA": 0.5, "PU": 0.5, "SV": 0.5},
    "水泥建材": {"BR": 4, "MO": 3, "SL": 2, "SP": 2, "SV": 1, "VA": 0.5, "PU": 0.5, "SN": 0.5},
    "纺织": {"BR": 3, "MO": 3, "SP": 1, "SN": 1, "SL": 1, "VA": 0.5, "PU": 0.5, "SV": 0.5},
    "矿业": {"PU": 3, "BR": 3, "MO": 3, "SL": 2, "SP": 2, "VA": 1, "SN": 0.5, "SV": 1},
    "轨道交通": {"BR": 3, "MO": 2, "SN": 2, "SP": 2, "SV": 1, "SL": 1, "VA": 0.5, "PU": 0.5},
}


def _catalogue(rng: random.Random, account: AccountSpec, products: list[Product]) -> tuple:
    """The products an account keeps buying: repeat buyers reorder the same items, and
    bigger accounts use more of them. Genuine key accounts buy what earns a fair margin;
    low-profit volume buyers buy goods, not services."""
    yearly = max(sum(account.targets) / 3, 1e5)
    size = int(_clamp(12 + 8 * math.log10(yearly / 1e5), 12, 60))
    family_weights = _INDUSTRY_FAMILIES[account.industry]
    pool = [
        i
        for i, p in enumerate(products)
        if not p.big_ticket
        and family_weights.get(p.code[:2], 0) > 0
        and _fits_kind(account.kind, p)
    ]
    weights = [family_weights[products[i].code[:2]] for i in pool]
    chosen: set[int] = set()
    while len(chosen) < min(size, len(pool)):
        chosen.add(rng.choices(pool, weights=weights)[0])
    return tuple(sorted(chosen, key=lambda i: (products[i].price, i)))


def _fits_kind(kind: str, product: Product) -> bool:
    if kind == GENUINE_KEY:
        return product.cost_ratio <= 0.73
    if kind == SQUEEZER:  # they haggle hardest over the items we earn most on
        return product.cost_ratio <= 0.68
    if kind == LOW_PROFIT_VOLUME:
        return product.code[:2] != "SV"
    return True


# ---------------------------------------------------------------------------------------
# Users


_KAMS_PER_REGION = {"HD": 5, "HN": 4, "HB": 4, "HZ": 3, "XN": 2, "XB": 2}
_WEST = {"HB", "XN", "XB"}  # regions the second technical and service specialist covers


def make_users(rng: random.Random) -> list[UserSpec]:
    """The selling company's people: boss, director, a manager per region, ~20 KAMs,
    technical and service specialists and a finance user."""
    used: set[str] = set()

    def named(username, role, department, region_code="", **extra) -> UserSpec:
        while True:
            surname, given, _s, _g = _person(rng)
            if surname + given not in used:
                used.add(surname + given)
                break
        return UserSpec(username, surname, given, role, department, region_code, **extra)

    users = [
        named("boss", Role.EXECUTIVE, "总经理办公室", is_superuser=True),
        named("director", Role.KA_DIRECTOR, "大客户部"),
    ]
    users += [
        named(_manager(code), Role.REGIONAL_MANAGER, "销售部", code)
        for _n, code, _s in names.REGIONS
    ]
    number = 0
    for _name, code, _share in names.REGIONS:
        for _ in range(_KAMS_PER_REGION[code]):
            number += 1
            users.append(named(f"kam{number:02d}", Role.KAM, "大客户部", code))
    users += [
        named("tech01", Role.SPECIALIST, "技术部"),
        named("tech02", Role.SPECIALIST, "技术部"),
        named("service01", Role.SPECIALIST, "服务部"),
        named("service02", Role.SPECIALIST, "服务部"),
        named("finance", Role.FINANCE, "财务部"),
    ]
    return users


def _manager(region_code: str) -> str:
    return f"rm_{region_code.lower()}"


# ---------------------------------------------------------------------------------------
# Accounts


def account_count(scale: float) -> int:
    return max(MIN_ACCOUNTS, round(BASE_ACCOUNTS * scale))


def _terms(kind: str, rng: random.Random) -> Terms:
    """Kind-specific buying, paying and serving habits (see METHODOLOGY M1.6)."""
    if kind == GENUINE_KEY:
        return Terms(
            discount=rng.uniform(0.015, 0.03),
            volume_discount=True,
            pay_days=rng.randint(32, 40),
            pay_sd=3,
            pay_range=(28, 45),
            return_share=0.01,
            cts_rate=rng.uniform(0.02, 0.03),
            cts_mix=GENUINE_KEY,
        )
    if kind == LOW_PROFIT_VOLUME:
        return Terms(
            discount=0.0,
            volume_discount=False,
            cost_plus=(0.02, 0.05),
            pay_days=rng.randint(50, 70),
            pay_range=(30, 95),
            return_share=0.03,
            cts_rate=rng.uniform(0.06, 0.075),
            cts_mix=LOW_PROFIT_VOLUME,
        )
    if kind == SQUEEZER:
        return Terms(
            discount=0.0,
            volume_discount=False,
            deep_discount=(0.25, 0.34),
            pay_days=rng.randint(175, 205),
            pay_sd=25,
            pay_range=(150, 240),
            unpaid_share=0.10,
            partial_share=0.20,
            return_share=0.18,
            cts_rate=rng.uniform(0.075, 0.10),
            cts_mix=SQUEEZER,
        )
    if kind == GROUP_BUY:
        return Terms(discount=0.06, volume_discount=False, pay_days=60, pay_sd=0, return_share=0)
    if kind == ONE_OFF_BIG_TICKET:
        return Terms(discount=0.04, volume_discount=False, pay_days=85, pay_sd=0, return_share=0)
    return Terms(
        discount=rng.uniform(0.0, 0.045),
        volume_discount=True,
        pay_days=rng.randint(35, 75),
        unpaid_share=0.005,
        return_share=0.02,
        cts_rate=rng.uniform(0.012, 0.035),
    )


class _Namer:
    """Company names that never repeat, with a short name and an e-mail domain."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def company(self, region_code: str, industry: str) -> tuple[str, str, str, bool, str]:
        """(name, short name, city, is institution, trade-name pinyin)."""
        _ind, _w, templates, institution = _industry(industry)
        while True:
            city, _division = self.rng.choice(names.CITIES[region_code])
            trade, pinyin = self.rng.choice(names.TRADE_NAMES)
            template = self.rng.choice(templates)
            number = "一二三四五六七八九"[self.rng.randrange(9)]
            name = template.format(city=city, trade=trade, n=number)
            if name not in self.used:
                self.used.add(name)
                return name, _short_name(template, city, trade, number), city, institution, pinyin

    def group(self) -> tuple[str, str, str]:
        """A group parent's (name, short name, trade name)."""
        while True:
            trade, _pinyin = self.rng.choice(names.TRADE_NAMES)
            name = f"{trade}集团有限公司"
            if name not in self.used:
                self.used.add(name)
                return name, f"{trade}集团", trade

    def subsidiary(self, trade: str, region_code: str, industry: str) -> tuple[str, str, str]:
        """(name, short name, city) of a group's subsidiary."""
        word = _industry_word(industry)
        while True:
            city, _division = self.rng.choice(names.CITIES[region_code])
            name = f"{trade}集团{city}{word}有限公司"
            if name not in self.used:
                self.used.add(name)
                return name, f"{trade}{city}", city


def _industry(industry: str) -> tuple:
    return next(entry for entry in names.INDUSTRIES if entry[0] == industry)


def _industry_word(industry: str) -> str:
    """钢铁 from "{city}{trade}钢铁有限公司": the word subsidiaries of a group carry."""
    template = _industry(industry)[2][0]
    return template.split("{trade}")[-1].removesuffix("股份有限公司").removesuffix("有限公司")


def _short_name(template: str, city: str, trade: str, number: str) -> str:
    if "{n}" in template:
        return f"{city}{number}院"
    short = template.replace("{city}", "").format(trade=trade, n=number)
    return short.removesuffix("股份有限公司").removesuffix("有限公司")


def make_uscc(rng: random.Random, region_code: str, city: str, institution: bool) -> str:
    """A valid 统一社会信用代码: registry and type, the city's division code, an
    organisation code (post-2015 companies start it with MA), and the check digit."""
    division = dict(names.CITIES[region_code])[city]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if institution:
        organisation = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(alphabet)
    elif rng.random() < 0.6:
        organisation = "MA" + "".join(rng.choice(alphabet) for _ in range(7))
    else:
        organisation = "".join(rng.choice("0123456789") for _ in range(9))
    body = ("12" if institution else "91") + division + organisation
    return body + stdnum_uscc.calc_check_digit(body)


def _region_code(rng: random.Random) -> str:
    return _weighted_pick(rng, {code: share for _n, code, share in names.REGIONS})


def _industry_name(rng: random.Random, institutions: bool = True) -> str:
    return _weighted_pick(
        rng, {name: w for name, w, _t, inst in names.INDUSTRIES if institutions or not inst}
    )


def _new_account(
    rng: random.Random, namer: _Namer, index: int, kind: str, region: str, industry: str
) -> AccountSpec:
    name, short, city, institution, pinyin = namer.company(region, industry)
    return AccountSpec(
        index=index,
        code=f"C{index:05d}",
        kind=kind,
        region_code=region,
        city=city,
        industry=industry,
        name=name,
        short_name=short,
        uscc=make_uscc(rng, region, city, institution) if rng.random() < 0.92 else "",
        email_domain=f"{pinyin}{index}.example.com",
        targets=(0.0, 0.0, 0.0),
        terms=_terms(kind, rng),
    )


def _ordinary_targets(rng: random.Random) -> tuple[float, float, float]:
    """A Pareto-ish (log-normal) yearly revenue, and a trend: a fifth grow fast, a fifth
    decline, the rest drift."""
    base = _clamp(rng.lognormvariate(math.log(0.55e6), 1.15), 3e4, 16e6)
    kind = rng.random()
    if kind < 0.2:
        growth = rng.uniform(0.25, 0.6)
    elif kind < 0.4:
        growth = -rng.uniform(0.15, 0.35)
    else:
        growth = rng.gauss(0.04, 0.08)
    return tuple(base * (1 + growth) ** i for i in range(3))


def _lifecycle(rng: random.Random, account: AccountSpec) -> None:
    """Some customers are new, some went quiet (dormant) or left (lost), a few are only
    prospects; the status matches what the order lines show."""
    r = rng.random()
    if r < 0.02:
        account.status = AccountStatus.PROSPECT
    elif r < 0.08:
        account.status = AccountStatus.LOST
        account.last_month = rng.randint(9, 21)
    elif r < 0.17:
        account.status = AccountStatus.DORMANT
        account.last_month = rng.randint(24, 29)
    if account.status != AccountStatus.LOST and rng.random() < 0.15:
        account.first_month = rng.randint(3, min(29, account.last_month - 6))


def make_accounts(rng: random.Random, scale: float, products: list[Product]) -> list[AccountSpec]:
    """Planted accounts at fixed codes, groups with subsidiaries, and ordinary customers."""
    count = account_count(scale)
    # A company ten times larger has ten times more customers and ten times larger key
    # accounts, so the top ten's share stays near half at any scale from 1 up.
    size = max(1.0, scale)
    namer = _Namer(rng)
    slots: dict[int, AccountSpec] = {}
    for code, kind, region, industry, targets, event, big in _PLANTED_PROFILES:
        index = int(code[1:])
        account = _new_account(rng, namer, index, kind, region, industry)
        account.targets = tuple(t * size for t in targets)
        account.event_month, account.big_ticket = event, big
        slots[index] = account
    free = [i for i in range(1, count + 1) if i not in slots]
    _make_groups(rng, namer, scale, free, slots)
    for index in free:
        if index not in slots:
            region, industry = _region_code(rng), _industry_name(rng)
            account = _new_account(rng, namer, index, ORDINARY, region, industry)
            account.targets = _ordinary_targets(rng)
            _lifecycle(rng, account)
            slots[index] = account
    accounts = [slots[i] for i in sorted(slots)]
    for account in accounts:
        account.catalogue = _catalogue(rng, account, products)
        account.prices = tuple(products[i].price for i in account.catalogue)
    return accounts


def _make_groups(rng, namer, scale, free, slots) -> None:
    """集团客户: a parent (the group HQ buys a little) with 2–5 subsidiaries across regions."""
    groups = max(1, round(8 * scale))
    free_copy = list(free)
    rng.shuffle(free_copy)
    for _ in range(groups):
        if len(free_copy) < 3:
            return
        industry = _industry_name(rng, institutions=False)
        parent_index = free_copy.pop()
        region = _region_code(rng)
        name, short, trade = namer.group()
        parent = _new_account(rng, namer, parent_index, ORDINARY, region, industry)
        parent.name, parent.short_name = name, short
        parent.targets = tuple(t * 0.5 for t in _ordinary_targets(rng))
        slots[parent_index] = parent
        for _ in range(min(rng.randint(2, 5), len(free_copy))):
            index = free_copy.pop()
            sub_region = region if rng.random() < 0.4 else _region_code(rng)
            child = _new_account(rng, namer, index, ORDINARY, sub_region, industry)
            child.name, child.short_name, child.city = namer.subsidiary(trade, sub_region, industry)
            if child.uscc:  # registered where the subsidiary is, not where its name was drawn
                child.uscc = make_uscc(rng, sub_region, child.city, institution=False)
            child.targets = tuple(t * 1.5 for t in _ordinary_targets(rng))
            child.parent_code = parent.code
            slots[index] = child


# ---------------------------------------------------------------------------------------
# Calibration: concentration and order frequency


def expected_revenue(account: AccountSpec, year_index: int) -> float:
    """What the targets promise for a year, given the months the account is active."""
    if account.kind in (GROUP_BUY, ONE_OFF_BIG_TICKET):
        return account.targets[year_index]
    months = range(year_index * 12, year_index * 12 + 12)
    active = sum(account.calendar.share(m) for m in months if account.active_in(m))
    return account.targets[year_index] * active


def calibrate_concentration(accounts: list[AccountSpec]) -> None:
    """Scale ordinary accounts outside each year's top ten so the top ten's share lands on
    TOP10_SHARE; the planted accounts keep the sizes their story needs."""
    for year_index, top_share in enumerate(TOP10_SHARE):
        ranked = sorted(accounts, key=lambda a: -expected_revenue(a, year_index))
        top = sum(expected_revenue(a, year_index) for a in ranked[:10])
        rest = ranked[10:]
        fixed = sum(expected_revenue(a, year_index) for a in rest if a.kind != ORDINARY)
        movable = sum(expected_revenue(a, year_index) for a in rest if a.kind == ORDINARY)
        if movable <= 0:
            continue
        wanted = top * (1 - top_share) / top_share - fixed
        factor = _clamp(wanted / movable, 0.25, 4.0)
        for account in rest:
            if account.kind == ORDINARY:
                targets = list(account.targets)
                targets[year_index] *= factor
                account.targets = tuple(targets)


_RATE_WEIGHT = {LOW_PROFIT_VOLUME: 2.5, SQUEEZER: 1.5}


def assign_order_rates(accounts: list[AccountSpec], scale: float) -> None:
    """Orders a month grow with revenue (less than proportionally), normalised so the whole
    company lands on BASE_LINES × scale lines. Heavy repeat buyers order more often."""
    regular = [a for a in accounts if a.kind not in (GROUP_BUY, ONE_OFF_BIG_TICKET) and a.buys]
    raw = {}
    for account in regular:
        active = [m for m in range(HISTORY_MONTHS) if account.active_in(m)]
        yearly = sum(expected_revenue(account, y) for y in range(3)) / max(len(active), 1) * 12
        raw[account.code] = (max(yearly, 1e4) / 1e6) ** 0.6 * _RATE_WEIGHT.get(account.kind, 1.0)
    months = {a.code: sum(1 for m in range(HISTORY_MONTHS) if a.active_in(m)) for a in regular}
    expected = sum(raw[c] * months[c] for c in raw) * MEAN_LINES_PER_ORDER
    factor = BASE_LINES * scale / expected
    for account in regular:
        # even a small customer orders some six times while active: one order ever
        # would make it look like a one-time purchase (M1.6)
        floor = 1.5 if account.kind == GENUINE_KEY else max(0.3, 6 / months[account.code])
        account.order_rate = max(floor, raw[account.code] * factor)


# ---------------------------------------------------------------------------------------
# People on accounts: owners, teams, referrals, contacts


def assign_teams(rng: random.Random, accounts: list[AccountSpec], users: list[UserSpec]) -> None:
    """Every account gets a KAM of its region; the biggest also an executive sponsor and
    technical, service and finance members, the next tier a technical lead."""
    kams: dict[str, list[str]] = {}
    for user in users:
        if user.role == Role.KAM:
            kams.setdefault(user.region_code, []).append(user.username)
    ranked = sorted(accounts, key=lambda a: (-sum(a.targets), a.index))
    full, partial = max(3, len(ranked) // 10), max(6, len(ranked) * 3 // 10)
    for rank, account in enumerate(ranked):
        region_kams = kams[account.region_code]
        # the senior KAM of each region (the first) keeps the region's biggest accounts
        account.owner = region_kams[0] if rank < full else rng.choice(region_kams)
        west = account.region_code in _WEST
        team: list[tuple[str, str]] = []
        if rank < full:
            sponsor = (
                "boss" if rank < 5 else "director" if rank < 15 else _manager(account.region_code)
            )
            team += [
                (sponsor, TeamRole.EXECUTIVE_SPONSOR),
                ("tech02" if west else "tech01", TeamRole.TECHNICAL_LEAD),
                ("service02" if west else "service01", TeamRole.SERVICE_LEAD),
                ("finance", TeamRole.FINANCE),
            ]
        elif rank < partial:
            team.append(("tech02" if west else "tech01", TeamRole.TECHNICAL_LEAD))
        account.team = tuple(team)


def assign_referrals(rng: random.Random, accounts: list[AccountSpec]) -> None:
    """Referrals (M9, [002]): each genuine key account brought 3–5 customers, and about one
    customer in ten came through another ordinary customer."""
    ordinary = [a for a in accounts if a.kind == ORDINARY and a.parent_code is None]
    referrers = [a for a in accounts if a.kind == GENUINE_KEY]
    for referrer in referrers:
        candidates = [
            a for a in ordinary if a.referred_by_code is None and a.index > referrer.index
        ]
        for account in rng.sample(candidates, min(rng.randint(3, 5), len(candidates))):
            account.referred_by_code = referrer.code
    for account in ordinary:
        if account.referred_by_code is None and rng.random() < 0.1:
            earlier = [a for a in ordinary if a.index < account.index and a.buys]
            if earlier:
                account.referred_by_code = rng.choice(earlier).code


def make_contacts(rng: random.Random, accounts: list[AccountSpec]) -> list[ContactSpec]:
    """2–6 people per customer: purchasing and equipment always, bigger customers also
    engineers, finance and top management — the decision chain M5 works with."""
    contacts = []
    for account in accounts:
        yearly = max(sum(account.targets) / 3, 1e5)
        count = int(_clamp(2 + round(math.log10(yearly / 2e5)) + rng.randint(0, 1), 2, 6))
        titles = names.HOSPITAL_TITLES if account.industry == "医院" else names.CONTACT_TITLES
        must = [titles[5], titles[6]] if titles is names.CONTACT_TITLES else [titles[2], titles[4]]
        others = [t for t in titles if t not in must]
        chosen = must + rng.sample(others, count - 2)
        seen: set[str] = set()
        for title, department in chosen:
            while True:
                surname, given, s_py, g_py = _person(rng)
                if surname + given not in seen:
                    seen.add(surname + given)
                    break
            email = f"{s_py}{g_py}@{account.email_domain}"
            contacts.append(
                ContactSpec(account.code, surname + given, title, department, _phone(rng), email)
            )
    return contacts


# ---------------------------------------------------------------------------------------
# Cost to serve

_CTS_MIX: dict[str, dict[str, float]] = {
    ORDINARY: {
        "visits": 0.35,
        "freight": 0.3,
        "service": 0.15,
        "entertainment": 0.1,
        "samples": 0.05,
        "other": 0.05,
    },
    GENUINE_KEY: {
        "visits": 0.25,
        "service": 0.25,
        "freight": 0.2,
        "rebates": 0.15,
        "entertainment": 0.1,
        "samples": 0.05,
    },
    LOW_PROFIT_VOLUME: {"freight": 0.35, "service": 0.25, "rebates": 0.25, "visits": 0.15},
    SQUEEZER: {
        "service": 0.35,
        "freight": 0.25,
        "visits": 0.2,
        "entertainment": 0.1,
        "other": 0.1,
    },
}


def make_costs(rng: random.Random, accounts: list[AccountSpec]) -> list[CostSpec]:
    costs: list[CostSpec] = []
    for account in accounts:
        if account.kind == GROUP_BUY:
            costs += _event_costs(rng, account)
        elif account.kind == ONE_OFF_BIG_TICKET:
            costs += _event_costs(rng, account)
            costs += _installation_costs(rng, account)
        elif account.buys:
            costs += _running_costs(rng, account)
    return costs


def _running_costs(rng: random.Random, account: AccountSpec) -> list[CostSpec]:
    """Quarterly entries per category, proportional to revenue and the account's service
    intensity; rebates are settled once a year, in the last month of each year of the
    history (December when it starts in January)."""
    mix = _CTS_MIX[account.terms.cts_mix]
    share = account.calendar.share
    out = []
    for quarter in range(HISTORY_MONTHS // 3):
        months = range(quarter * 3, quarter * 3 + 3)
        revenue = sum(account.targets[m // 12] * share(m) for m in months if account.active_in(m))
        if revenue <= 0:
            continue
        for category in sorted(mix):
            if category == "rebates":
                continue
            amount = revenue * account.terms.cts_rate * mix[category] * rng.uniform(0.7, 1.3)
            out += _cost(rng, account, category, amount, quarter * 3, 3)
    if "rebates" in mix:
        for year_index in range(HISTORY_MONTHS // 12):
            revenue = expected_revenue(account, year_index)
            amount = revenue * account.terms.cts_rate * mix["rebates"]
            out += _cost(rng, account, "rebates", amount, year_index * 12 + 11, 1)
    return out


def _cost(rng, account, category, amount_yuan, first_month, months) -> list[CostSpec]:
    """One entry on a business day of one of `months` months from month index
    `first_month`."""
    if amount_yuan < 200:
        return []
    month_index = first_month + rng.randrange(months)
    day = rng.choice(business_days(*account.calendar.months[month_index]))
    note = rng.choice(names.COST_NOTES[category])
    return [CostSpec(account.code, day, category, round(amount_yuan * 100), note)]


def _event_costs(rng: random.Random, account: AccountSpec) -> list[CostSpec]:
    """Winning a one-time deal took visits, samples and a dinner in the months before."""
    out = []
    event = account.event_month or 0
    for category, low, high, times in (
        ("visits", 3000, 9000, 3),
        ("samples", 5000, 15000, 1),
        ("entertainment", 4000, 10000, 1),
    ):
        for _ in range(times):
            month_index = max(0, event - rng.randint(0, 2))
            out += _cost(rng, account, category, rng.uniform(low, high), month_index, 1)
    return out


def _installation_costs(rng: random.Random, account: AccountSpec) -> list[CostSpec]:
    """A big-ticket set must be installed and commissioned: service and freight after."""
    out = []
    for category, low, high in (
        ("service", 60000, 120000),
        ("service", 40000, 90000),
        ("freight", 30000, 60000),
    ):
        month_index = min(HISTORY_MONTHS - 1, (account.event_month or 0) + rng.randint(0, 2))
        out += _cost(rng, account, category, rng.uniform(low, high), month_index, 1)
    return out


# ---------------------------------------------------------------------------------------
# Order lines


class _Numbers:
    """Document numbers like an ERP's: XS (销售) or TH (退货) + date + customer + counter."""

    def __init__(self, account: AccountSpec):
        self.account = account
        self.counters: dict[tuple[str, date], int] = {}

    def next(self, prefix: str, day: date) -> str:
        key = (prefix, day)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{prefix}{day:%Y%m%d}{self.account.index:05d}{self.counters[key]:03d}"


def account_lines(data: DemoData, account: AccountSpec) -> Iterator[Line]:
    """One account's lines, from its own random stream so accounts are independent."""
    rng = random.Random(f"kam-demo:{data.seed}:{data.scale}:lines:{account.code}")
    numbers = _Numbers(account)
    if not account.buys:
        return iter(())
    if account.kind == GROUP_BUY:
        return _group_buy_lines(rng, data, account, numbers)
    if account.kind == ONE_OFF_BIG_TICKET:
        return _one_off_lines(rng, data, account, numbers)
    return _regular_lines(rng, data, account, numbers)


def _regular_lines(rng, data, account, numbers) -> Iterator[Line]:
    """Month by month: a seasonal revenue target spread over a Poisson number of orders;
    a month without orders carries its demand into the next."""
    backlog = 0.0
    noise = 0.12 if account.kind != ORDINARY else 0.3
    for month_index in range(account.first_month, account.last_month + 1):
        year, month = account.calendar.months[month_index]
        share = account.calendar.share(month_index)
        yearly = account.targets[month_index // 12]
        target = yearly * share * rng.lognormvariate(0, noise) + backlog
        orders = poisson(rng, account.order_rate * share * 12)
        edge = month_index in (account.first_month, account.last_month)
        if account.kind == GENUINE_KEY or edge:
            # key accounts buy every month; and a customer's first and last purchases
            # are what make it a customer, or dormant, or lost, when they happened
            orders = max(1, orders)
        if orders == 0:
            backlog = min(target, 3 * yearly * share)
            continue
        backlog = 0.0
        sizes = [1 + min(11, int(rng.expovariate(1 / 2.5))) for _ in range(orders)]
        weights = [rng.lognormvariate(0, 0.9) for _ in range(sum(sizes))]
        per_weight = target / sum(weights)
        position = 0
        for size in sizes:
            day = rng.choice(business_days(year, month))
            line_targets = [w * per_weight for w in weights[position : position + size]]
            position += size
            yield from _order(rng, data, account, numbers, day, line_targets)


def _order(rng, data, account, numbers, day, line_targets) -> Iterator[Line]:
    """One multi-line order, its payment, and now and then a return of part of one line."""
    order_no = numbers.next("XS", day)
    used: set[int] = set()
    lines = []
    for line_no, target in enumerate(line_targets, start=1):
        product = data.products[_pick_product(rng, data, account, target, used)]
        lines.append(_priced_line(rng, account, order_no, line_no, day, product, target))
    days, paid_share = _payment_terms(rng, account.terms)
    for line in lines:
        yield _with_payment(line, day, days, paid_share, account.calendar.last_day)
    if rng.random() < account.terms.return_share:
        returned = _return_line(rng, account, numbers, rng.choice(lines), days)
        if returned is not None:
            yield returned


def _pick_product(rng, data, account, target_yuan, used: set[int]) -> int:
    """A product whose price suits the line's value: not a ¥6 O-ring for a ¥200,000
    line, not a ¥100,000 pump for a ¥2,000 one."""
    catalogue = account.catalogue
    low = bisect.bisect_left(account.prices, target_yuan * 100 / 400)
    high = bisect.bisect_right(account.prices, target_yuan * 100 * 1.5)
    if low >= high:  # nothing fits: take the nearest prices on either side
        low, high = max(0, high - 2), min(len(catalogue), low + 2)
    for _ in range(4):
        choice = catalogue[rng.randrange(low, high)]
        if choice not in used:
            break
    used.add(choice)
    return choice


def _priced_line(rng, account, order_no, line_no, day, product: Product, target_yuan) -> Line:
    terms = account.terms
    if terms.cost_plus:
        price = _round_price(product.cost / 100 * (1 + rng.uniform(*terms.cost_plus)))
    else:
        price = product.price
    net_guess = price * (
        1 - (sum(terms.deep_discount) / 2 if terms.deep_discount else terms.discount)
    )
    quantity = _nice_quantity(target_yuan * 100 / net_guess)
    gross = quantity * price
    rate = _discount_rate(rng, terms, gross)
    discount = round(gross * rate)
    return Line(
        account.code,
        account.name,
        order_no,
        line_no,
        day,
        product.code,
        product.name,
        quantity,
        price,
        gross - discount,
        quantity * product.cost,
        discount,
        None,
        None,
    )


def _nice_quantity(raw: float) -> int:
    """People order round numbers once quantities get large."""
    quantity = max(1, round(raw))
    if quantity > 100:
        return round(quantity, -1)
    if quantity > 20:
        return round(quantity / 5) * 5
    return quantity


def _discount_rate(rng, terms: Terms, gross_fen: int) -> float:
    """Deep discounts for squeezers; otherwise the account's rate plus volume steps
    (¥50k, ¥200k, ¥500k a line) — never 10% or more."""
    if terms.deep_discount:
        return rng.uniform(*terms.deep_discount)
    if gross_fen < 2000_00 and terms.volume_discount:
        return 0.0
    rate = terms.discount
    if terms.volume_discount:
        rate += sum(0.01 for step in (50_000_00, 200_000_00, 500_000_00) if gross_fen >= step)
    return min(rate, 0.09)


def _payment_terms(rng, terms: Terms) -> tuple[int, float]:
    """(days to pay, share paid) for a whole order: customers pay invoices, not lines."""
    days = round(_clamp(rng.gauss(terms.pay_days, terms.pay_sd), *terms.pay_range))
    r = rng.random()
    if r < terms.unpaid_share:
        return days, 0.0
    if r < terms.unpaid_share + terms.partial_share:
        return days, rng.uniform(0.4, 0.9)
    return days, 1.0


def _with_payment(line: Line, day: date, days: int, paid_share: float, last_day: date) -> Line:
    paid_date = day + timedelta(days=days)
    if paid_share <= 0 or paid_date > last_day:
        return line  # still a receivable at the end of the data
    return line._replace(paid=round(line.amount * paid_share), paid_date=paid_date)


def _return_line(rng, account, numbers, original: Line, days: int) -> Line | None:
    """Part of a line comes back a few weeks later as a negative line of its own; the
    credit is settled against a later invoice, on the account's usual terms."""
    day = original.day + timedelta(days=rng.randint(7, 40))
    if day > account.calendar.last_day:
        return None
    quantity = max(1, round(original.quantity * rng.uniform(0.1, 0.5)))
    discount = round(original.discount * quantity / original.quantity)
    returned = Line(
        account.code,
        account.name,
        numbers.next("TH", day),
        1,
        day,
        original.product_code,
        original.product_name,
        -quantity,
        original.unit_price,
        -(quantity * original.unit_price - discount),
        -round(original.cost * quantity / original.quantity),
        -discount,
        None,
        None,
    )
    return _with_payment(returned, day, days, 1.0, account.calendar.last_day)


def _group_buy_lines(rng, data, account, numbers) -> Iterator[Line]:
    """团购: one big order of many different items in one month, then nothing ever again."""
    day = rng.choice(business_days(*account.calendar.months[account.event_month]))
    total = account.targets[account.event_month // 12]
    pool = [i for i, p in enumerate(data.products) if not p.big_ticket and p.code[:2] != "SV"]
    items = rng.sample(pool, rng.randint(40, 70))
    weights = [rng.lognormvariate(0, 0.7) for _ in items]
    order_no = numbers.next("XS", day)
    days, paid_share = _payment_terms(rng, account.terms)
    for line_no, (item, weight) in enumerate(zip(items, weights, strict=True), start=1):
        target = total * weight / sum(weights)
        line = _priced_line(rng, account, order_no, line_no, day, data.products[item], target)
        yield _with_payment(line, day, days, paid_share, account.calendar.last_day)


def _one_off_lines(rng, data, account, numbers) -> Iterator[Line]:
    """大额产品的采购: one complete equipment set, then at most a few small spare parts."""
    day = rng.choice(business_days(*account.calendar.months[account.event_month]))
    product = data.products[[p.big_ticket for p in data.products].index(True) + account.big_ticket]
    line = _priced_line(rng, account, numbers.next("XS", day), 1, day, product, product.price / 100)
    days, paid_share = _payment_terms(rng, account.terms)
    yield _with_payment(line, day, days, paid_share, account.calendar.last_day)
    spares = [i for i in account.catalogue if data.products[i].price <= 3000_00]
    for _ in range(rng.randint(1, 3)):
        month_index = account.event_month + rng.randint(2, 9)
        if month_index >= HISTORY_MONTHS or not spares:
            continue
        later = rng.choice(business_days(*account.calendar.months[month_index]))
        target = rng.uniform(3000, 15000)
        spare = data.products[rng.choice(spares)]
        small = _priced_line(rng, account, numbers.next("XS", later), 1, later, spare, target)
        yield _with_payment(small, later, days, 1.0, account.calendar.last_day)


# ---------------------------------------------------------------------------------------
# Entry point


def generate(*, seed: int = 2026, scale: float = 1.0, today: date = REFERENCE_TODAY) -> DemoData:
    """Build the whole demo company as plain data; nothing here touches the database.
    Its history is HISTORY_MONTHS months ending the month before `today` (Calendar); the
    same seed, scale and today always give the same data."""
    scale = float(scale)  # 1 and 1.0 must seed the same streams
    if scale <= 0:
        raise ValueError("scale must be positive")
    calendar = Calendar.ending_before(today)
    rng = random.Random(f"kam-demo:{seed}:{scale}")
    products = make_products(random.Random(f"kam-demo:{seed}:products"))
    users = make_users(random.Random(f"kam-demo:{seed}:users"))
    accounts = make_accounts(rng, scale, products)
    for account in accounts:
        account.calendar = calendar
    calibrate_concentration(accounts)
    assign_order_rates(accounts, scale)
    assign_teams(rng, accounts, users)
    assign_referrals(rng, accounts)
    regions = tuple((name, code) for name, code, _share in names.REGIONS)
    data = DemoData(seed, scale, regions, users, products, accounts, calendar)
    data.contacts = make_contacts(rng, accounts)
    data.costs = make_costs(rng, accounts)
    # streams of their own, so adding them changed none of the data generated before
    data.potentials = make_potentials(random.Random(f"kam-demo:{seed}:{scale}:potential"), accounts)
    data.checks = [check for account in accounts for check in stage_checks(account, seed)]
    charted = [a.code for a in charted_accounts(accounts)]
    data.chain = decision_chain.make_chain(accounts, charted, seed)
    # their org charts replace the few plain contacts the key accounts had
    data.contacts = [c for c in data.contacts if c.account_code not in set(charted)]
    return data


def summarize(lines: Iterable[Line]) -> dict[str, dict]:
    """Per customer code: revenue, cost, discount, orders, months, paid and days — the raw
    facts the tests (and a curious developer) check the planted shapes against."""
    out: dict[str, dict] = {}
    for line in lines:
        s = out.setdefault(
            line.customer_code,
            {
                "revenue": 0,
                "cost": 0,
                "discount": 0,
                "lines": 0,
                "return_lines": 0,
                "orders": set(),
                "months": set(),
                "paid": 0,
                "paid_days": 0,
                "unpaid": 0,
                "by_year": collections.Counter(),
                "max_line": 0,
            },
        )
        s["revenue"] += line.amount
        s["cost"] += line.cost
        s["discount"] += line.discount
        s["lines"] += 1
        s["by_year"][line.day.year] += line.amount
        s["max_line"] = max(s["max_line"], line.amount)
        if line.quantity < 0:
            s["return_lines"] += 1
        else:
            s["orders"].add(line.order_no)
            s["months"].add((line.day.year, line.day.month))
        if line.paid is not None and line.paid_date is not None:
            s["paid"] += line.paid
            s["paid_days"] += line.paid * (line.paid_date - line.day).days
        s["unpaid"] += line.amount - (line.paid or 0)
    return out


def stages_of(account: AccountSpec) -> tuple[str, str]:
    """Where the story puts an account on the sales stages (M2) and relationship stages
    (M3): genuine key accounts are sole or preferred suppliers' customers deep in the
    relationship; the volume buyers that earn us little were won on price, not trust;
    one-off buyers never got past a trial; the rest by their size."""
    if account.kind == GENUINE_KEY:
        return SalesStage.SOLE, (
            RelationshipStage.ALLIANCE if account.index % 2 else RelationshipStage.INTERDEPENDENT
        )
    if account.kind in (LOW_PROFIT_VOLUME, SQUEEZER):
        return SalesStage.VOLUME, RelationshipStage.BASIC
    if account.kind in (GROUP_BUY, ONE_OFF_BIG_TICKET):
        return SalesStage.TRIAL, RelationshipStage.EXPLORATORY
    yearly = max(account.targets)
    if yearly >= 5_000_000:
        return SalesStage.VOLUME, RelationshipStage.COOPERATIVE
    if yearly >= 1_000_000:
        return SalesStage.TRIAL, RelationshipStage.BASIC
    return SalesStage.QUALIFIED, RelationshipStage.EXPLORATORY


_SALES_STEPS = {
    SalesStage.TRIAL: "通过供应商审核，进入合格供应商名录",
    SalesStage.VOLUME: "小批量试用验收合格，开始批量供货",
    SalesStage.SOLE: "连续供货稳定，参与客户新品研发，成为首选供应商",
}
_RELATIONSHIP_STEPS = {
    RelationshipStage.BASIC: "首次合作完成，建立日常联系",
    RelationshipStage.COOPERATIVE: "高层互访，客户信任度提升",
    RelationshipStage.INTERDEPENDENT: "多部门深度合作，客户忠诚度高",
    RelationshipStage.ALLIANCE: "签订战略合作协议，资源互补",
}


def stage_history(account: AccountSpec) -> list[tuple[date, str, str, str, str]]:
    """How the account reached the stages `stages_of` gives it: (day, field, from, to,
    reason), a step every eight months or so from its first purchase, the last before
    the demo's end — so the account page shows a path, not just a position."""
    sales, relationship = stages_of(account)
    first = date(*account.calendar.months[account.first_month], 1)
    out = []
    for name, order, reasons, target in (
        ("sales_stage", list(SalesStage), _SALES_STEPS, sales),
        ("relationship_stage", list(RelationshipStage), _RELATIONSHIP_STEPS, relationship),
    ):
        steps = order[: order.index(target) + 1]
        for number, (old, new) in enumerate(itertools.pairwise(steps), start=1):
            day = min(add_months(first, 3 + 8 * (number - 1)), account.calendar.last_day)
            out.append((day, name, str(old), str(new), reasons[new]))
    return sorted(out)


# ---------------------------------------------------------------------------------------
# What the KAMs have judged and proven: scorecard inputs and stage checklists

# (growth outlook, influence, referrals, strategic fit) as ranges of 1–5, and our share of
# the customer's spend, by the story of the account.
_JUDGEMENTS = {
    GENUINE_KEY: ((4, 5), (4, 5), (3, 5), (5, 5), (0.45, 0.7)),
    LOW_PROFIT_VOLUME: ((1, 2), (2, 3), (1, 2), (1, 2), (0.8, 0.9)),
    SQUEEZER: ((1, 2), (1, 3), (1, 1), (1, 2), (0.6, 0.75)),
    ORDINARY: ((2, 5), (1, 4), (1, 4), (2, 4), (0.15, 0.6)),
}
_POTENTIAL_NOTES = {
    GENUINE_KEY: "新品项目多，已参与客户研发；采购额仍有增长空间",
    LOW_PROFIT_VOLUME: "量大价低，客户只看价格；份额已很高，再扩大意义不大",
    SQUEEZER: "压价、拖款、退货多；我们已是主要供应商，但对方只看价格",
    ORDINARY: "年度评估：按采购额与行业前景打分",
}


def key_accounts(accounts: list[AccountSpec]) -> list[AccountSpec]:
    """The accounts the company manages as key accounts: the story's planted repeat
    buyers and the biggest tenth by size (the ones assign_teams gives a full team); a
    one-off buyer, however big its one purchase, is not managed as one."""
    ranked = sorted(accounts, key=lambda a: (-sum(a.targets), a.index))
    big = {a.code for a in ranked[: max(3, len(ranked) // 10)]}
    return [
        a
        for a in accounts
        if a.buys and a.kind in _JUDGEMENTS and (a.code in big or a.kind != ORDINARY)
    ]


def charted_accounts(accounts: list[AccountSpec]) -> list[AccountSpec]:
    """The key accounts whose decision chain the demo draws (kam.demo.chain): the top tier,
    the five biggest (the boss sponsors them, see assign_teams), and the planted genuine
    key accounts. Only these: every person and visit goes through the services, and the
    demo must stay quick to load."""
    ranked = sorted(accounts, key=lambda a: (-sum(a.targets), a.index))
    top = {a.code for a in ranked[:5]}
    return [a for a in key_accounts(accounts) if a.code in top or a.kind == GENUINE_KEY]


def make_potentials(rng: random.Random, accounts: list[AccountSpec]) -> list[PotentialSpec]:
    """Most key accounts have been judged (so the scorecard places them in its quadrants);
    about one ordinary key account in five has not been yet, as in a real company."""
    out = []
    for account in key_accounts(accounts):
        if account.kind == ORDINARY and rng.random() < 0.2:
            continue
        growth, influence, referral, fit, share_range = _JUDGEMENTS[account.kind]
        share = round(rng.uniform(*share_range), 2)
        yearly = max(account.targets[-1], max(account.targets) * 0.5, 1e5)
        wallet = round(yearly / share / 10_000) * 10_000
        out.append(
            PotentialSpec(
                account.code,
                wallet,
                f"{share:.4f}",
                rng.randint(*growth),
                rng.randint(*influence),
                rng.randint(*referral),
                rng.randint(*fit),
                _POTENTIAL_NOTES[account.kind],
            )
        )
    return out


def stage_checks(account: AccountSpec, seed: int = 2026) -> list[CheckSpec]:
    """What the owner has ticked, consistent with the stages `stages_of` gives: every item
    of each stage the account has passed, and some of its current stage's (in progress).
    Passing a stage unproven needs a reason (kam.accounts.services); the demo's accounts
    were moved on by the book."""
    rng = random.Random(f"kam-demo:{seed}:checks:{account.code}")
    out = []
    for track, current in zip(
        (StageTrack.SALES, StageTrack.RELATIONSHIP),
        stages_of(account),
        strict=True,
    ):
        for stage in account_stages.stages(track):
            items = [item.key for item in stage.checklist]
            if stage.key == current:
                items = sorted(rng.sample(items, rng.randint(0, len(items) - 1)), key=items.index)
            out += [CheckSpec(account.code, track, stage.key, item, "") for item in items]
            if stage.key == current:
                break
    return out
