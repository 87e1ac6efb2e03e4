"""The decision chains of the demo's key accounts (METHODOLOGY M5, M6, M8), as plain data.

Each key account gets an org chart of 8–20 people with levels, reporting lines, buying
roles, attitudes, concerns and our counterpart lines; visits over the whole history (so
"last met" tells a story); third parties and the connections between our people, them
and the customers' people. Planted facts (`PLANTED_CHAIN`) give the coverage and path
features something certain to find:

- a minefield: a key account whose one technical gatekeeper was never met;
- a fully covered key account: every buying influence met in the last month;
- a hostile decision maker;
- a decision maker reachable only through an industry association: no connection
  touches them but the association's vice-chair, whom our boss knows.

Everything comes from streams of its own (`random.Random` seeded with the seed and the
account's code), so adding it changed none of the data generated before, and the planted
people carry fixed names, so `PLANTED_CHAIN` holds for any seed and scale.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kam.accounts.choices import TeamRole
from kam.care.choices import VisitKind
from kam.people.choices import (
    BuyingRole,
    Concern,
    ConnectionKind,
    Level,
    Orientation,
    RelationshipLevel,
    Support,
    ThirdPartyKind,
)

from . import names

DM, GK, USER, COACH = (
    BuyingRole.DECISION_MAKER,
    BuyingRole.GATEKEEPER,
    BuyingRole.USER,
    BuyingRole.COACH,
)

MINEFIELD_ACCOUNT = "C00006"  # genuine key account, 制药: its technical director never met
COVERED_ACCOUNT = "C00003"  # genuine key account, 汽车零部件: every influence met lately
HOSTILE_ACCOUNT = "C00004"  # low-profit volume buyer, 钢铁: its finance director is against us
ASSOCIATION_ACCOUNT = "C00011"  # genuine key account, 电力: its general manager out of reach

# The planted people, by fixed name (with pinyin for their e-mail addresses).
MINEFIELD_PERSON = ("韩", "志远", "han", "zhiyuan")
HOSTILE_PERSON = ("毛", "立群", "mao", "liqun")
ASSOCIATION_PERSON = ("邵", "国栋", "shao", "guodong")
ASSOCIATION_THIRD = "冯建华"

PLANTED_CHAIN: dict[str, object] = {
    "minefield": {
        "account": MINEFIELD_ACCOUNT,
        "contact": "".join(MINEFIELD_PERSON[:2]),
        "role": str(GK),
    },
    "covered": COVERED_ACCOUNT,
    "hostile": {"account": HOSTILE_ACCOUNT, "contact": "".join(HOSTILE_PERSON[:2])},
    "association_path": {
        "account": ASSOCIATION_ACCOUNT,
        "contact": "".join(ASSOCIATION_PERSON[:2]),
        "third_party": ASSOCIATION_THIRD,
    },
}
"""What the decision-chain pages must find in the demo; `generator.PLANTED` answers these
keys too, so `PLANTED["minefield"]` reads like the planted accounts do."""


# ---------------------------------------------------------------------------------------
# Data shapes


@dataclass(frozen=True)
class PersonSpec:
    """One contact on a key account's org chart; `key` names the position within the
    account (reports_to refers to it), lines name our users by username."""

    account_code: str
    key: str
    name: str
    title: str
    department: str
    level: str
    reports_to: str | None
    roles: tuple[str, ...]
    support: str
    influence: int
    orientation: str
    concerns: tuple[str, ...]
    concerns_note: str
    relationship: int
    relationship_goal: int
    phone: str
    email: str
    is_node: bool = False
    status: str = "active"
    left_on: date | None = None
    on_chart: bool = True
    business_line: str = ""
    technical_line: str = ""
    management_line: str = ""
    notes: str = ""


@dataclass(frozen=True)
class VisitSpec:
    account_code: str
    kind: str
    day: date
    ours: tuple[str, ...]  # usernames, the first logs it
    theirs: tuple[str, ...]  # position keys of the account's people
    notes: str
    next_step: str
    next_step_on: date | None


@dataclass(frozen=True)
class ThirdSpec:
    key: str
    name: str
    kind: str
    organisation: str
    role: str
    recorded_by: str
    notes: str = ""


# A connection's end: ("user", username), ("contact", (account code, position key)) or
# ("third", third party key).
End = tuple[str, object]


@dataclass(frozen=True)
class LinkSpec:
    a: End
    b: End
    kind: str
    strength: int
    recorded_by: str
    valid_from: date | None = None
    valid_to: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class CardSpec:
    """A VIP relationship card (M8.1) of a decision maker, fields as RelationshipCard
    names them. Birthdays are often known in the lunar calendar; a leap month (闰月)
    is kept as such (1976 had a leap eighth month)."""

    account_code: str
    key: str
    birthday_calendar: str
    birthday_year: int | None
    birthday_month: int
    birthday_day: int
    birthday_leap_month: bool
    interests: str
    family: str
    calls_seller_by_name: bool | None


@dataclass
class Chain:
    """Everything of the decision chains, in the order it must be written."""

    sponsors: list[tuple[str, str]] = field(default_factory=list)  # (code, username) to add
    people: list[PersonSpec] = field(default_factory=list)  # managers before their reports
    thirds: list[ThirdSpec] = field(default_factory=list)
    links: list[LinkSpec] = field(default_factory=list)
    visits: list[VisitSpec] = field(default_factory=list)  # by day
    cards: list[CardSpec] = field(default_factory=list)

    def people_of(self, code: str) -> list[PersonSpec]:
        return [p for p in self.people if p.account_code == code]


# ---------------------------------------------------------------------------------------
# Org charts

S, M, J = Level.SENIOR, Level.MIDDLE, Level.JUNIOR
O_BIZ, O_FIN, O_TECH, O_REL = (
    Orientation.BUSINESS,
    Orientation.FINANCIAL,
    Orientation.TECHNICAL,
    Orientation.RELATIONSHIP,
)
PRICE, TECH, EASE, STABLE = (
    Concern.PRICE,
    Concern.TECHNOLOGY,
    Concern.EASE_OF_USE,
    Concern.STABILITY,
)


@dataclass(frozen=True)
class Position:
    key: str
    title: str
    department: str
    level: str
    parent: str | None
    roles: tuple[str, ...]
    orientation: str
    concerns: tuple[str, ...]
    note: str
    line: str  # which of our lines faces them: business, technical or management


# The eight every chart has, then the others in the order they are added.
CORE = (
    Position(
        "gm",
        "总经理",
        "总经理办公室",
        S,
        None,
        (DM,),
        O_BIZ,
        (STABLE, PRICE),
        "看重长期稳定供货和总成本，关心产能扩张计划",
        "management",
    ),
    Position(
        "dgm_prod",
        "副总经理（分管生产）",
        "总经理办公室",
        S,
        "gm",
        (DM,),
        O_BIZ,
        (STABLE,),
        "最怕停线，要求关键备件24小时到场",
        "management",
    ),
    Position(
        "cfo",
        "财务总监",
        "财务部",
        S,
        "gm",
        (DM,),
        O_FIN,
        (PRICE,),
        "年度降本指标压力大，关注账期和年度返利",
        "management",
    ),
    Position(
        "cto",
        "技术总监",
        "技术部",
        S,
        "gm",
        (GK,),
        O_TECH,
        (TECH,),
        "关注产品的先进性和与现有设备的兼容性，新品需先过技术评审",
        "technical",
    ),
    Position(
        "proc",
        "采购部经理",
        "采购部",
        M,
        "dgm_ops",
        (GK,),
        O_REL,
        (PRICE, STABLE),
        "负责供应商准入和比价，重视交期和票据规范",
        "business",
    ),
    Position(
        "equip",
        "设备科长",
        "设备科",
        M,
        "dgm_prod",
        (USER,),
        O_TECH,
        (STABLE, EASE),
        "关心故障率和维修响应，备件库存要够",
        "technical",
    ),
    Position(
        "workshop1",
        "车间主任（一车间）",
        "生产车间",
        M,
        "plant",
        (USER,),
        O_BIZ,
        (EASE,),
        "产量考核压力大，要好装好用、少停机",
        "business",
    ),
    Position(
        "buyer",
        "采购员",
        "采购部",
        J,
        "proc",
        (USER,),
        O_REL,
        (PRICE,),
        "具体下单和跟单，在意报价及时、发货准时",
        "business",
    ),
)
OPTIONAL = (
    Position(
        "dgm_ops",
        "副总经理（分管采购与供应链）",
        "总经理办公室",
        S,
        "gm",
        (DM,),
        O_FIN,
        (PRICE, STABLE),
        "推行集中采购和供应商整合",
        "management",
    ),
    Position(
        "assistant",
        "总经理助理",
        "总经理办公室",
        M,
        "gm",
        (),
        O_REL,
        (),
        "了解公司内部各方意见，消息灵通",
        "management",
    ),
    Position(
        "plant",
        "生产部经理",
        "生产部",
        M,
        "dgm_prod",
        (USER,),
        O_BIZ,
        (STABLE,),
        "负责全厂生产计划，关注设备综合效率",
        "business",
    ),
    Position(
        "quality",
        "质量部经理",
        "质量部",
        M,
        "dgm_prod",
        (GK,),
        O_TECH,
        (TECH, STABLE),
        "来料检验严格，要求提供材质证明和检测报告",
        "technical",
    ),
    Position(
        "equip_eng",
        "设备工程师",
        "设备科",
        J,
        "equip",
        (USER,),
        O_TECH,
        (EASE, STABLE),
        "日常点检和维修，愿意试用新产品",
        "technical",
    ),
    Position(
        "process_eng",
        "工艺工程师",
        "技术部",
        J,
        "cto",
        (GK,),
        O_TECH,
        (TECH,),
        "编写选型规范，参数要求写得很细",
        "technical",
    ),
    Position(
        "workshop2",
        "车间主任（二车间）",
        "生产车间",
        M,
        "plant",
        (USER,),
        O_BIZ,
        (EASE,),
        "新产线刚投产，调试问题多",
        "business",
    ),
    Position(
        "maint",
        "维修班长",
        "生产车间",
        J,
        "workshop1",
        (USER,),
        O_TECH,
        (EASE,),
        "一线维修，最清楚哪些件容易坏",
        "technical",
    ),
    Position(
        "buyer2",
        "采购工程师",
        "采购部",
        J,
        "proc",
        (),
        O_REL,
        (PRICE,),
        "负责寻源和新供应商考察",
        "business",
    ),
    Position(
        "warehouse",
        "仓库主管",
        "仓储部",
        J,
        "proc",
        (),
        O_BIZ,
        (),
        "管备件库存，希望供应商寄售",
        "business",
    ),
    Position(
        "accountant",
        "成本会计",
        "财务部",
        J,
        "cfo",
        (),
        O_FIN,
        (PRICE,),
        "核算单台设备维修成本",
        "business",
    ),
    Position(
        "safety",
        "安环部经理",
        "安环部",
        M,
        "dgm_prod",
        (),
        O_TECH,
        (STABLE,),
        "关注密封泄漏和安全环保检查",
        "technical",
    ),
)
POSITIONS = {p.key: p for p in CORE + OPTIONAL}
COACH_CANDIDATES = ("assistant", "equip_eng", "buyer", "equip", "maint")

# Where a person stands towards us, by the story of the account (weights of the five
# steps, best first); coaches are always on our side.
_SUPPORT_WEIGHTS = {
    "genuine_key": (0.2, 0.45, 0.25, 0.1, 0.0),
    "low_profit_volume": (0.05, 0.25, 0.45, 0.2, 0.05),
    "squeezer": (0.0, 0.2, 0.4, 0.3, 0.1),
}
_ORDINARY_SUPPORT = (0.1, 0.35, 0.35, 0.15, 0.05)
_SUPPORTS = tuple(Support)
_GOALS = {DM: 4, GK: 4, COACH: 5, USER: 3}


def _name(rng: random.Random, seen: set[str]) -> tuple[str, str, str, str]:
    while True:
        surname, s_py = rng.choice(names.SURNAMES)
        given, g_py = rng.choice(names.GIVEN_NAMES)
        if surname + given not in seen:
            seen.add(surname + given)
            return surname, given, s_py, g_py


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _chosen_positions(rng: random.Random, size: int) -> list[Position]:
    """`size` positions (8–20): the core eight and a random choice of the others, in
    template order so a manager comes before the people who report to them."""
    extra = set(rng.sample([p.key for p in OPTIONAL], size - len(CORE)))
    keys = {p.key for p in CORE} | extra
    order = [p for p in OPTIONAL if p.key in extra and p.key in ("dgm_ops", "assistant", "plant")]
    order = list(CORE[:4]) + order + list(CORE[4:])
    order += [p for p in OPTIONAL if p.key in keys and p not in order]
    return order


def _manager(key: str, chosen: set[str]) -> str | None:
    """The nearest chosen manager up the template's reporting line."""
    parent = POSITIONS[key].parent
    while parent is not None and parent not in chosen:
        parent = POSITIONS[parent].parent
    return parent


def org_chart(account, team: dict[str, str], seed: int) -> list[PersonSpec]:
    """One key account's people. `team` maps "owner", "technical" and "sponsor" to our
    usernames: they hold the business, technical and management lines."""
    code = account.code
    rng = random.Random(f"kam-demo:{seed}:chart:{code}")
    has_left = rng.random() < 0.35 or code == COVERED_ACCOUNT
    # the covered account has the full chart; the others 8–14 people, to keep loading quick
    size = 19 if code == COVERED_ACCOUNT else rng.randint(8, 14)
    positions = _chosen_positions(rng, size)
    chosen = {p.key for p in positions}
    coaches = _coaches(rng, chosen)
    seen = {"".join(p[:2]) for p in (MINEFIELD_PERSON, HOSTILE_PERSON, ASSOCIATION_PERSON)}
    weights = _SUPPORT_WEIGHTS.get(account.kind, _ORDINARY_SUPPORT)
    node = "assistant" if "assistant" in chosen else "equip"
    people = []
    for position in positions:
        roles = _roles(code, position, coaches)
        surname, given, s_py, g_py = _planted_name(code, position.key) or _name(rng, seen)
        support = (
            rng.choice((Support.MENTOR, Support.SUPPORTER))
            if COACH in roles or code == COVERED_ACCOUNT
            else rng.choices(_SUPPORTS, weights=weights)[0]
        )
        influence = {S: rng.randint(4, 5), M: rng.randint(3, 4), J: rng.randint(1, 3)}[
            position.level
        ]
        goal = max((_GOALS[r] for r in roles), default=3)
        relationship = min(goal, max(1, _SUPPORTS.index(support) * -1 + rng.randint(3, 5)))
        person = PersonSpec(
            account_code=code,
            key=position.key,
            name=surname + given,
            title=position.title,
            department=position.department,
            level=position.level,
            reports_to=_manager(position.key, chosen),
            roles=roles,
            support=support,
            influence=influence,
            orientation=position.orientation,
            concerns=position.concerns,
            concerns_note=position.note,
            relationship=relationship,
            relationship_goal=max(goal, relationship),
            phone=_phone(rng),
            email=f"{s_py}{g_py}@{account.email_domain}",
            is_node=position.key == node,
            **{f"{position.line}_line": team[_LINE_HOLDER[position.line]]},
        )
        people.append(_planted(person))
    if has_left:
        people.append(_left_person(rng, account, team, seen))
    return people


_LINE_HOLDER = {"business": "owner", "technical": "technical", "management": "sponsor"}


def _coaches(rng: random.Random, chosen: set[str]) -> set[str]:
    """One or two coaches among the people who tend to guide us; sometimes a coach holds
    another role too (the buyer or the equipment head is also a user)."""
    candidates = [k for k in COACH_CANDIDATES if k in chosen]
    return set(rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2)))))


def _roles(code: str, position: Position, coaches: set[str]) -> tuple[str, ...]:
    roles = position.roles
    if code == MINEFIELD_ACCOUNT and position.key != "cto":
        roles = tuple(r for r in roles if r != GK)  # the technical director is the one gatekeeper
    if position.key in coaches:
        roles = (*roles, COACH)
    return roles


def _planted_name(code: str, key: str) -> tuple[str, str, str, str] | None:
    return {
        (MINEFIELD_ACCOUNT, "cto"): MINEFIELD_PERSON,
        (HOSTILE_ACCOUNT, "cfo"): HOSTILE_PERSON,
        (ASSOCIATION_ACCOUNT, "gm"): ASSOCIATION_PERSON,
    }.get((code, key))


def _planted(person: PersonSpec) -> PersonSpec:
    """The planted people's story overrides what chance gave them."""
    where = (person.account_code, person.key)
    if where == (HOSTILE_ACCOUNT, "cfo"):
        return replace(
            person,
            support=Support.ENEMY,
            relationship=RelationshipLevel.ACQUAINTED,
            relationship_goal=RelationshipLevel.WORKING,
            notes="主张引入竞争对手低价产品，多次在采购会上否决我方报价",
        )
    if where == (ASSOCIATION_ACCOUNT, "gm"):
        return replace(
            person,
            support="",  # never met: not known yet
            relationship=RelationshipLevel.NONE,
            relationship_goal=RelationshipLevel.TRUSTED,
            influence=5,
            management_line="",
            notes="新任总经理，从集团调任；我方尚无人与其接触过，他是行业协会理事",
        )
    if where == (MINEFIELD_ACCOUNT, "cto"):
        return replace(
            person,
            support="",
            relationship=RelationshipLevel.NONE,
            relationship_goal=RelationshipLevel.TRUSTED,
            technical_line="",
            notes="新设备选型由他最终把关；我们一直只和采购部打交道",
        )
    return person


def _left_person(rng: random.Random, account, team: dict[str, str], seen: set[str]) -> PersonSpec:
    """The former purchasing manager, who left a year and a half before the end."""
    surname, given, s_py, g_py = _name(rng, seen)
    last = account.calendar.last_day
    return PersonSpec(
        account_code=account.code,
        key="left",
        name=surname + given,
        title="原采购部经理",
        department="采购部",
        level=M,
        reports_to=None,
        roles=(),
        support=Support.SUPPORTER,
        influence=3,
        orientation=O_REL,
        concerns=(PRICE,),
        concerns_note="",
        relationship=RelationshipLevel.TRUSTED,
        relationship_goal=RelationshipLevel.TRUSTED,
        phone=_phone(rng),
        email=f"{s_py}{g_py}@{account.email_domain}",
        status="left",
        left_on=last - timedelta(days=rng.randint(480, 560)),
        on_chart=False,
        business_line=team["owner"],
        notes="已离职，去了同行业另一家公司；仍保持私人联系",
    )


# ---------------------------------------------------------------------------------------
# Visits

_VISIT_NOTES = (
    "例行拜访，了解本月生产计划和备件消耗",
    "现场查看轴承使用情况，收集故障件",
    "沟通下季度需求预测，确认安全库存",
    "处理一批密封件交期延误的投诉，说明原因和改进措施",
    "介绍新型变频电机，客户有兴趣安排试用",
    "对账并沟通回款计划",
)
_MEETING_NOTES = (
    "技术交流会：新产线泵阀选型方案",
    "故障分析会：二车间减速机异常振动",
    "试用总结会：试用产品运行三个月无故障",
    "年度质量回顾，来料检验合格率99.6%",
)
_EXECUTIVE_NOTES = (
    "高层互访：双方总经理会谈，确认战略合作方向",
    "邀请客户高层参观我方工厂和检测中心",
    "年度高层拜访，回顾合作并讨论明年框架协议",
)
_CALL_NOTES = (
    "电话确认急件发货时间",
    "电话沟通报价细节",
    "电话跟进试用反馈",
)
_NEXT_STEPS = (
    "提交试用方案和报价",
    "安排技术人员现场调试",
    "发送检测报告和材质证明",
    "约技术总监做一次技术交流",
    "准备年度框架协议初稿",
    "跟进付款进度",
    "邀请客户来厂参观",
)


def _day(rng: random.Random, first: date, last: date) -> date:
    """A working day (Monday to Friday) between first and last."""
    day = first + timedelta(days=rng.randrange(max(1, (last - first).days + 1)))
    while day.weekday() >= 5 and day > first:
        day -= timedelta(days=1)
    return day


def visits_of(
    account, people: list[PersonSpec], team: dict[str, str], seed: int
) -> list[VisitSpec]:
    """The account team's contacts with the customer over the history: the owner every
    four months or so (now and then a call instead), a technical meeting a year, an executive visit by the sponsor every year; everyone met at least once, except the
    planted unmet; the covered account met in full in its last month."""
    rng = random.Random(f"kam-demo:{seed}:visits:{account.code}")
    calendar = account.calendar
    first, last = calendar.first_day, calendar.last_day
    never = {p.key for p in people if _never_met(p)}
    by_key = {p.key: p for p in people}

    def present(day: date, keys) -> tuple[str, ...]:
        """Who of `keys` worked there on `day`: nobody meets a person who had left."""
        return tuple(
            k
            for k in keys
            if k not in never and (by_key[k].left_on is None or by_key[k].left_on > day)
        )

    visits: list[VisitSpec] = []
    owner, tech, sponsor = team["owner"], team["technical"], team["sponsor"]
    daily = [p.key for p in people if p.level != S]
    technical = [p.key for p in people if GK in p.roles or p.orientation == O_TECH]
    seniors = [p.key for p in people if p.level == S]
    day = first + timedelta(days=rng.randint(5, 30))
    while day <= last:
        theirs = present(day, rng.sample(daily, min(len(daily), rng.randint(1, 3))))
        if theirs:
            call = rng.random() < 0.2
            visits.append(
                _visit(
                    rng,
                    account.code,
                    day,
                    (owner,),
                    theirs[:1] if call else theirs,
                    VisitKind.CALL if call else VisitKind.VISIT,
                )
            )
        day += timedelta(days=rng.randint(100, 140))
    for half in range(6, len(calendar.months), 12):
        start = date(*calendar.months[half], 1)
        day = _day(rng, start, min(last, start + timedelta(days=170)))
        theirs = present(day, rng.sample(technical, min(len(technical), rng.randint(2, 3))))
        if theirs:
            visits.append(_visit(rng, account.code, day, (tech, owner), theirs, VisitKind.MEETING))
    for year in range(0, len(calendar.months), 12):
        start = date(*calendar.months[year], 1)
        day = _day(rng, start, min(last, start + timedelta(days=360)))
        theirs = present(day, rng.sample(seniors, min(len(seniors), rng.randint(1, 3))))
        if theirs:
            visits.append(
                _visit(rng, account.code, day, (sponsor, owner), theirs, VisitKind.EXECUTIVE_VISIT)
            )
    visits += _meet_everyone(rng, account, people, team, never, visits)
    if account.code == COVERED_ACCOUNT:
        visits += _full_round(rng, account, people, team)
    return sorted(visits, key=lambda v: (v.day, v.kind, v.theirs))


def _never_met(person: PersonSpec) -> bool:
    return (person.account_code, person.key) in {
        (MINEFIELD_ACCOUNT, "cto"),
        (ASSOCIATION_ACCOUNT, "gm"),
    }


def _visit(rng, code, day, ours, theirs, kind) -> VisitSpec:
    notes = {
        VisitKind.VISIT: _VISIT_NOTES,
        VisitKind.CALL: _CALL_NOTES,
        VisitKind.MEETING: _MEETING_NOTES,
        VisitKind.EXECUTIVE_VISIT: _EXECUTIVE_NOTES,
    }[kind]
    step = rng.choice(_NEXT_STEPS) if rng.random() < 0.7 else ""
    return VisitSpec(
        code,
        kind,
        day,
        tuple(dict.fromkeys(ours)),
        tuple(theirs),
        rng.choice(notes),
        step,
        day + timedelta(days=rng.randint(7, 30)) if step else None,
    )


def _meet_everyone(rng, account, people, team, never, visits) -> list[VisitSpec]:
    """A visit for each person the plan missed, before they left if they did."""
    met = {k for v in visits if v.kind != VisitKind.CALL for k in v.theirs}
    out = []
    for person in people:
        if person.key in met or person.key in never:
            continue
        last = min(account.calendar.last_day, (person.left_on or date.max) - timedelta(days=1))
        day = _day(rng, account.calendar.first_day, last)
        ours = (team["sponsor"], team["owner"]) if person.level == S else (team["owner"],)
        kind = VisitKind.EXECUTIVE_VISIT if person.level == S else VisitKind.VISIT
        out.append(_visit(rng, account.code, day, ours, (person.key,), kind))
    return out


def _full_round(rng, account, people, team) -> list[VisitSpec]:
    """The covered account: in its last month every buying influence was met."""
    last = account.calendar.last_day
    start = last.replace(day=1)
    influences = [p for p in people if p.roles and p.status == "active"]
    seniors = tuple(p.key for p in influences if p.level == S)
    others = tuple(p.key for p in influences if p.level != S)
    return [
        _visit(
            rng,
            account.code,
            _day(rng, start, last),
            (team["sponsor"], team["owner"]),
            seniors,
            VisitKind.EXECUTIVE_VISIT,
        ),
        _visit(
            rng,
            account.code,
            _day(rng, start, last),
            (team["owner"], team["technical"]),
            others,
            VisitKind.MEETING,
        ),
    ]


# ---------------------------------------------------------------------------------------
# Third parties and connections


def _third_parties() -> list[ThirdSpec]:
    return [
        ThirdSpec(
            "association",
            ASSOCIATION_THIRD,
            ThirdPartyKind.ASSOCIATION,
            "中国电力设备行业协会",
            "副会长",
            "boss",
            "协会年会上认识；与多家电厂老总熟识",
        ),
        ThirdSpec(
            "regulator",
            "陶明",
            ThirdPartyKind.GOVERNMENT,
            "市场监督管理局特种设备安全监察处",
            "处长",
            "rm_hd",
        ),
        ThirdSpec(
            "emba",
            "蒋文博",
            ThirdPartyKind.CLASSMATE,
            "中欧国际工商学院EMBA同学会",
            "同学会秘书长",
            "boss",
            "EMBA同班同学",
        ),
        ThirdSpec(
            "friend",
            "许振东",
            ThirdPartyKind.FRIEND,
            "振东投资咨询有限公司",
            "董事长",
            "director",
            "二十年的老朋友",
        ),
        ThirdSpec(
            "colleague",
            "郭立新",
            ThirdPartyKind.FORMER_COLLEAGUE,
            "某进口轴承品牌华东代理",
            "销售总监",
            "kam01",
            "曾在我司销售部共事",
        ),
    ]


def connections(
    chain: Chain, teams: dict[str, dict[str, str]], calendar, seed: int
) -> list[LinkSpec]:
    """Our people's ties to the customers' people and to the third parties, the third
    parties' ties to customers' people, and influence and conflict among the customers'
    people. The association account's general manager has exactly one tie: the
    association's vice-chair, whom our boss knows from the association."""
    first = calendar.first_day
    links: list[LinkSpec] = []
    codes = list(dict.fromkeys(p.account_code for p in chain.people))
    for code in codes:
        keys = {p.key: p for p in chain.people_of(code)}
        team = teams[code]
        rng = random.Random(f"kam-demo:{seed}:links:{code}")

        def contact(key, code=code):
            return ("contact", (code, key))

        if not _never_met(keys["gm"]):
            links.append(
                LinkSpec(
                    ("user", team["sponsor"]),
                    contact("gm"),
                    ConnectionKind.BUSINESS,
                    rng.randint(3, 5),
                    team["owner"],
                )
            )
        links.append(
            LinkSpec(
                ("user", team["owner"]),
                contact("proc"),
                ConnectionKind.BUSINESS,
                rng.randint(3, 4),
                team["owner"],
            )
        )
        if not _never_met(keys["cto"]):
            links.append(
                LinkSpec(
                    ("user", team["technical"]),
                    contact("cto"),
                    ConnectionKind.BUSINESS,
                    rng.randint(2, 4),
                    team["owner"],
                )
            )
        links += _influence_lines(rng, code, keys, team["owner"])
    links += _third_party_lines(codes, first)
    return links


def _influence_lines(rng, code, keys, owner) -> list[LinkSpec]:
    """Who sways whom inside the customer, and one feud; never touching the person only
    the association reaches."""
    pairs = [
        ("assistant", "gm"),
        ("cto", "gm"),
        ("dgm_prod", "gm"),
        ("equip", "cto"),
        ("workshop1", "equip"),
        ("quality", "cto"),
        ("equip_eng", "equip"),
        ("plant", "dgm_prod"),
    ]
    pairs = [
        (a, b)
        for a, b in pairs
        if a in keys and b in keys and not (_out_of_reach(keys[a]) or _out_of_reach(keys[b]))
    ]
    out = []
    for a, b in rng.sample(pairs, min(3, len(pairs))):
        out.append(
            LinkSpec(
                ("contact", (code, a)),
                ("contact", (code, b)),
                ConnectionKind.INFLUENCES,
                rng.randint(2, 5),
                owner,
            )
        )
    feud = ("proc", "quality") if "quality" in keys else ("cfo", "cto")
    if rng.random() < 0.5 or code == HOSTILE_ACCOUNT:
        feud = ("cfo", "cto") if code == HOSTILE_ACCOUNT else feud
        out.append(
            LinkSpec(
                ("contact", (code, feud[0])),
                ("contact", (code, feud[1])),
                ConnectionKind.CONFLICT,
                rng.randint(3, 4),
                owner,
                notes="预算和选型上长期意见不合",
            )
        )
    return out


def _out_of_reach(person: PersonSpec) -> bool:
    """The association account's general manager: no tie but the association's."""
    return (person.account_code, person.key) == (ASSOCIATION_ACCOUNT, "gm")


def _third_party_lines(codes, first: date) -> list[LinkSpec]:
    """The doors third parties open, one of them closed since."""
    out = [
        LinkSpec(
            ("user", "boss"),
            ("third", "association"),
            ConnectionKind.ASSOCIATION,
            4,
            "boss",
            valid_from=first,
            notes="同为协会理事单位负责人",
        ),
        LinkSpec(
            ("third", "association"),
            ("contact", (ASSOCIATION_ACCOUNT, "gm")),
            ConnectionKind.ASSOCIATION,
            4,
            "boss",
            notes="协会常务理事，经常一起开会",
        ),
        LinkSpec(("user", "boss"), ("third", "emba"), ConnectionKind.EMBA, 5, "boss"),
        LinkSpec(
            ("third", "emba"),
            ("contact", (COVERED_ACCOUNT, "gm")),
            ConnectionKind.FRIEND,
            4,
            "boss",
        ),
        LinkSpec(("user", "director"), ("third", "friend"), ConnectionKind.FRIEND, 5, "director"),
        LinkSpec(
            ("third", "friend"),
            ("contact", (HOSTILE_ACCOUNT, "cfo")),
            ConnectionKind.FORMER_COLLEAGUE,
            3,
            "director",
            notes="曾在同一家国企财务处",
        ),
        LinkSpec(("user", "rm_hd"), ("third", "regulator"), ConnectionKind.BUSINESS, 2, "rm_hd"),
        LinkSpec(
            ("third", "regulator"),
            ("contact", (COVERED_ACCOUNT, "dgm_prod")),
            ConnectionKind.REGULATES,
            3,
            "rm_hd",
        ),
        # an old door, closed since: the former colleague moved to a competitor
        LinkSpec(
            ("user", "kam01"),
            ("third", "colleague"),
            ConnectionKind.FORMER_COLLEAGUE,
            4,
            "kam01",
            valid_from=first,
            valid_to=first + timedelta(days=400),
            notes="他跳槽去了竞争对手，已不再联系",
        ),
        LinkSpec(
            ("third", "colleague"),
            ("contact", (MINEFIELD_ACCOUNT, "cto")),
            ConnectionKind.FRIEND,
            3,
            "kam01",
            valid_to=first + timedelta(days=400),
        ),
    ]
    return [link for link in out if _ends_exist(link, codes)]


def _ends_exist(link: LinkSpec, codes) -> bool:
    return all(end[0] != "contact" or end[1][0] in codes for end in (link.a, link.b))


# ---------------------------------------------------------------------------------------
# Relationship cards

_CARDS = (
    CardSpec(
        COVERED_ACCOUNT,
        "gm",
        "lunar",
        1976,
        8,
        15,
        True,
        "钓鱼、围棋；喜欢普洱茶",
        "女儿明年高考，想报考机械类专业",
        True,
    ),
    CardSpec(
        MINEFIELD_ACCOUNT,
        "gm",
        "lunar",
        1968,
        3,
        12,
        False,
        "登山、书法",
        "父母在老家，母亲需要长期照护",
        True,
    ),
    CardSpec(
        HOSTILE_ACCOUNT,
        "gm",
        "solar",
        1972,
        11,
        8,
        False,
        "羽毛球，周末常去球馆",
        "儿子在英国读研究生",
        False,
    ),
    CardSpec(HOSTILE_ACCOUNT, "cfo", "lunar", None, 12, 23, False, "摄影，收藏老相机", "", None),
    CardSpec(
        "C00019",
        "gm",
        "lunar",
        1970,
        1,
        6,
        False,
        "马拉松，每年跑两场全马",
        "孩子在上小学，关心学区",
        True,
    ),
)


def cards_of(chain: Chain) -> list[CardSpec]:
    """The planted cards whose person is on a chart (all of them at every scale)."""
    keys = {(p.account_code, p.key) for p in chain.people}
    return [card for card in _CARDS if (card.account_code, card.key) in keys]


# ---------------------------------------------------------------------------------------
# Entry point


def make_chain(accounts, key_codes: list[str], seed: int) -> Chain:
    """The decision chains of the accounts in `key_codes` (each with its team's owner,
    technical lead and executive sponsor; a key account without a sponsor gets the
    director or its region's manager, added to its team by the demo's services)."""
    chain = Chain()
    by_code = {a.code: a for a in accounts}
    teams: dict[str, dict[str, str]] = {}
    for code in key_codes:
        account = by_code[code]
        team = _team(account, chain)
        teams[code] = team
        people = org_chart(account, team, seed)
        chain.people += people
        chain.visits += visits_of(account, people, team, seed)
    chain.thirds = _third_parties()
    chain.links = (
        connections(chain, teams, by_code[key_codes[0]].calendar, seed) if key_codes else []
    )
    chain.visits.sort(key=lambda v: (v.day, v.account_code, v.kind, v.theirs))
    chain.cards = cards_of(chain)
    return chain


def _team(account, chain: Chain) -> dict[str, str]:
    roles = {role: username for username, role in account.team}
    sponsor = roles.get(TeamRole.EXECUTIVE_SPONSOR)
    if sponsor is None:
        sponsor = "director"
        chain.sponsors.append((account.code, sponsor))
    technical = roles.get(TeamRole.TECHNICAL_LEAD) or account.owner
    return {"owner": account.owner, "technical": technical, "sponsor": sponsor}
