"""The accounts list as a Polars plan over what the value analysis already holds.

Every figure the list shows (metrics, tiers, flags) is in the cached analysis, so the
list filters, searches, sorts and pages one frame in memory: the page costs the same few
queries whether it shows 5 accounts or 50 out of 100,000. Pure functions, no database;
the view adds the names of the page's owners, regions and groups afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

import polars as pl
from django.utils.translation import gettext_lazy as _

from kam.value.analytics.flags import FLAG_KINDS
from kam.value.analytics.metrics import METRIC_COLUMNS
from kam.value.analytics.tiers import NO_PURCHASES, NO_PURCHASES_LABEL, TIER_LABELS, TIERS, bought

from .choices import RelationshipStage, SalesStage

PAGE_SIZE = 50
DEFAULT_SORT = "-revenue"
ANY_FLAG = "any"
BOUGHT_CHOICES = ("yes", "no")
"""The `bought` filter: accounts active in the period (bought something) or not, the
one definition the dashboard's pyramid and headline count with."""
GROUP_DEPTH = 8
"""Levels of subsidiaries followed under a group (group → subsidiary → its subsidiary …)."""

TIER_KEYS = TIERS
TIER_RANK = {"ordinary": 0, "strategic": 1, "gold": 2, "diamond": 3}
"""Tiers as values, so "-tier" (highest first) reads like "-revenue" (largest first)."""

METRIC_KEYS = tuple(c for c in METRIC_COLUMNS if c != "account_id")
ZERO_WITHOUT_SALES = (
    "revenue",
    "cost",
    "gross_profit",
    "discount",
    "uncosted_revenue",
    "quantity",
    "return_amount",
    "orders",
    "lines",
    "return_lines",
    "active_months",
    "revenue_prev",
    "annualised_revenue",
    "orders_per_year",
    "cost_to_serve",
    "financing_cost",
    "net_contribution",
)
"""What an account that bought nothing in the period and the one before has: zero, not
unknown. Ratios (margin, growth, days to pay) and cash stay empty: there is nothing to
divide, and no payment data says nothing was collected. Only accounts missing from the
metrics get these zeros: a figure the analysis left unknown (no cost, no payment data)
stays unknown."""

SORTABLE = frozenset({"code", "name", "tier", "score", *METRIC_KEYS})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # text, tier, flags, money, share, days, count
    sortable: bool = False


COLUMNS = (
    Column("code", _("Code"), "text", True),
    Column("name", _("Name"), "text", True),
    Column("tier", _("Tier"), "tier", True),
    Column("flags", _("Flags"), "flags"),
    Column("region", _("Region"), "text"),
    Column("owner", _("Owner"), "text"),
    Column("sales_stage", _("Sales stage"), "text"),
    Column("relationship_stage", _("Relationship stage"), "text"),
    Column("group", _("Group"), "text"),
    Column("revenue", _("Revenue"), "money", True),
    Column("gross_profit", _("Gross profit"), "money", True),
    Column("gross_margin", _("Gross margin"), "share", True),
    Column("net_contribution", _("Net contribution"), "money", True),
    Column("growth", _("Growth"), "share", True),
    Column("days_to_pay", _("Days to pay"), "days", True),
    Column("orders", _("Orders"), "count", True),
)
"""The list's columns, in order; the export writes the same ones."""


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _choice(value, allowed) -> str | None:
    value = (value or "").strip()
    return value if value in allowed else None


@dataclass(frozen=True)
class Filters:
    """What the list shows, from its GET parameters (names fixed: the dashboard links
    to them). A value that does not parse is ignored rather than failing the page."""

    tier: str | None = None
    bought: str | None = None
    flag: str | None = None
    region: int | None = None
    owner: int | None = None
    stage: str | None = None
    rstage: str | None = None
    group: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping) -> Filters:
        sort = (params.get("sort") or "").strip()
        return cls(
            tier=_choice(params.get("tier"), TIER_KEYS),
            bought=_choice(params.get("bought"), BOUGHT_CHOICES),
            flag=_choice(params.get("flag"), (*FLAG_KINDS, ANY_FLAG)),
            region=_int(params.get("region")),
            owner=_int(params.get("owner")),
            stage=_choice(params.get("stage"), SalesStage.values),
            rstage=_choice(params.get("rstage"), RelationshipStage.values),
            group=_int(params.get("group")),
            q=" ".join((params.get("q") or "").split())[:100],
            sort=sort if sort.lstrip("-") in SORTABLE else DEFAULT_SORT,
            page=_int(params.get("page")) or 1,
        )

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def narrowed(self) -> bool:
        """Whether any filter or search is on (sort and page are not filters)."""
        return any(
            getattr(self, f.name) not in (None, "") for f in fields(self) if f.name in FILTERS
        )

    def params(self, **changes) -> dict[str, str]:
        """The GET parameters for these filters, defaults left out, with `changes`."""
        merged = replace(self, **changes) if changes else self
        out = {}
        for f in fields(merged):
            value = getattr(merged, f.name)
            if value in (None, "") or value == f.default:
                continue
            out[f.name] = str(value)
        return out

    def query(self, **changes) -> str:
        return urlencode(self.params(**changes))

    def sort_link(self, key: str) -> str:
        """The query a column header links to: its natural direction first (largest
        figures, highest tier; codes and names A→Z), the other way on a second click."""
        first = key if key in ("code", "name") else f"-{key}"
        wanted = (key if first.startswith("-") else f"-{key}") if self.sort == first else first
        return self.query(sort=wanted, page=1)


FILTERS = ("tier", "bought", "flag", "region", "owner", "stage", "rstage", "group", "q")


def account_table(accounts: pl.DataFrame, metrics: pl.DataFrame, tiers: pl.DataFrame):
    """One row per account of `accounts` with its metrics, tier and flags. Accounts with
    no activity get zero figures (see ZERO_WITHOUT_SALES). `tier` is where the account
    stands in the period, as the dashboard's pyramid counts it: its tier if it bought
    something in the period, NO_PURCHASES otherwise (the tier it holds stays in
    `held_tier`)."""
    tier_columns = ["account_id", "tier", "flags"]
    tiers = tiers.select(
        *tier_columns,
        pl.col("score") if "score" in tiers.columns else pl.lit(None, pl.Float64).alias("score"),
        pl.col("overridden")
        if "overridden" in tiers.columns
        else pl.lit(False).alias("overridden"),
    ).with_columns(pl.col("tier").cast(pl.String))
    table = accounts.join(
        metrics.select("account_id", *METRIC_KEYS, _in_metrics=pl.lit(True)),
        on="account_id",
        how="left",
    ).join(tiers, on="account_id", how="left")
    absent = pl.col("_in_metrics").is_null()
    zeros = [
        pl.when(absent).then(pl.col(c).fill_null(0)).otherwise(pl.col(c)).alias(c)
        for c in ZERO_WITHOUT_SALES
        if c in table.columns
    ]
    return (
        table.with_columns(
            *zeros,
            pl.col("flags").fill_null(pl.lit([], pl.List(pl.String))),
            pl.col("overridden").fill_null(False),
        )
        .drop("_in_metrics")
        .with_columns(
            held_tier=pl.col("tier"),
            tier=pl.when(bought()).then(pl.col("tier")).otherwise(pl.lit(NO_PURCHASES)),
        )
    )


def group_ids(table: pl.DataFrame, group: int) -> list[int]:
    """The group and every subsidiary below it, as far as `table` (what the user may
    see) shows them."""
    found = {group}
    frontier = {group}
    for _level in range(GROUP_DEPTH):
        children = table.filter(
            pl.col("parent_id").is_in(list(frontier)) & ~pl.col("account_id").is_in(list(found))
        ).get_column("account_id")
        frontier = set(children.to_list())
        if not frontier:
            break
        found |= frontier
    return sorted(found)


def search_expr(text: str) -> pl.Expr:
    """Case-insensitive substring of the name or the code; Chinese matches as typed."""
    return pl.col(SEARCH).str.contains(text.lower(), literal=True)


SEARCH = "_search"


def conditions(table: pl.DataFrame, filters: Filters) -> list[pl.Expr]:
    out = []
    if filters.tier:
        out.append(pl.col("tier") == filters.tier)
    if filters.bought:
        out.append(bought() if filters.bought == "yes" else ~bought())
    if filters.flag == ANY_FLAG:
        out.append(pl.col("flags").list.len() > 0)
    elif filters.flag:
        out.append(pl.col("flags").list.contains(filters.flag))
    for column, value in (
        ("region_id", filters.region),
        ("owner_id", filters.owner),
        ("sales_stage", filters.stage),
        ("relationship_stage", filters.rstage),
    ):
        if value is not None:
            out.append(pl.col(column) == value)
    if filters.group:
        out.append(pl.col("account_id").is_in(group_ids(table, filters.group)))
    if filters.q:
        out.append(search_expr(filters.q))
    return out


def sort_order(table: pl.DataFrame, sort: str) -> pl.Series:
    """Row numbers of `table` sorted by `sort`, empty values last either way, then by
    code, so pages never overlap or skip an account."""
    key = sort.lstrip("-")
    if key == "tier":
        column = pl.col("tier").replace_strict(TIER_RANK, default=None, return_dtype=pl.Int8)
    elif key in ("code", "name"):
        column = pl.col(key).str.to_lowercase()
    else:
        column = pl.col(key)
    return table.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).sort_by(
            [column, pl.col("code"), pl.col("account_id")],
            descending=[sort.startswith("-"), False, False],
            nulls_last=True,
        )
    ).to_series()


class AccountList:
    """One analysis' accounts table, ready to be asked again and again: the search text
    lower-cased once, each sort order computed once and kept as row numbers. A request
    then costs a filter mask and a slice, not a join and a sort of every account."""

    def __init__(self, table: pl.DataFrame, flags: list | None = None):
        search = pl.concat_str(
            pl.col("name").fill_null(""), pl.col("code").fill_null(""), separator="\n"
        ).str.to_lowercase()
        self.table = table.with_columns(search.alias(SEARCH))
        self.flags: dict[int, list] = {}
        for flag in flags or []:
            self.flags.setdefault(flag.account_id, []).append(flag)
        self._orders: dict[str, pl.Series] = {}
        self._ids: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return self.table.height

    def order(self, sort: str) -> pl.Series:
        if sort not in self._orders:
            self._orders[sort] = sort_order(self.table, sort)
        return self._orders[sort]

    def select(self, filters: Filters, within: pl.Series | None = None) -> pl.Series:
        """Row numbers of the accounts the filters pick (and `within`, account ids,
        allows), in the chosen order."""
        wanted = conditions(self.table, filters)
        if within is not None:
            wanted.append(pl.col("account_id").is_in(within.implode()))
        order = self.order(filters.sort)
        if not wanted:
            return order
        mask = self.table.select(pl.all_horizontal(wanted)).to_series()
        return order.filter(mask.gather(order))

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        return self.table[numbers].drop(SEARCH)

    def frame(self, filters: Filters) -> pl.DataFrame:
        """Every row the filters pick, in the chosen order: what the export writes."""
        return self.rows(self.select(filters))

    def page(self, filters: Filters, size: int = PAGE_SIZE) -> Page:
        page = paginate(self.select(filters), filters.page, size)
        return replace(page, rows=self.rows(page.rows))

    def distinct_ids(self, column: str) -> list[int]:
        """Region or owner ids of all the accounts, for the filters' dropdowns."""
        if column not in self._ids:
            self._ids[column] = distinct_ids(self.table, column)
        return self._ids[column]


@dataclass(frozen=True)
class Page:
    rows: pl.DataFrame
    number: int
    pages: int
    total: int
    size: int = PAGE_SIZE

    @property
    def first_index(self) -> int:
        """1-based position of the page's first row in the whole list (0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.total else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def select(table: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Every row of `table` the filters pick, in the chosen order."""
    return AccountList(table).frame(filters)


def paginate(selected, number: int, size: int = PAGE_SIZE) -> Page:
    """A page of `selected` (a frame or row numbers); past the end, the last page."""
    total = len(selected)
    pages = max(1, math.ceil(total / size))
    number = min(max(1, number), pages)
    return Page(selected.slice((number - 1) * size, size), number, pages, total, size)


def distinct_ids(table: pl.DataFrame, column: str) -> list[int]:
    return table.get_column(column).drop_nulls().unique().sort().to_list()


@dataclass(frozen=True)
class Names:
    """Names for the ids in the frame, fetched by the view in a fixed number of queries."""

    regions: Mapping[int, str]
    owners: Mapping[int, str]
    accounts: Mapping[int, str]


def tier_display(tier: str | None) -> str:
    """A standing's label: the tier's name, or "No purchases"."""
    if tier == NO_PURCHASES:
        return str(NO_PURCHASES_LABEL)
    return str(TIER_LABELS[tier]) if tier else ""


def display_rows(frame: pl.DataFrame, names: Names, flags: Mapping[int, list]) -> list[dict]:
    """The rows as the page and the export show them: ids resolved to names, choices
    to their labels in the active language, figures left as numbers for the formatter."""
    sales_stages = dict(SalesStage.choices)
    relationship_stages = dict(RelationshipStage.choices)
    rows = []
    for row in frame.iter_rows(named=True):
        tier = row["tier"]
        rows.append(
            row
            | {
                "tier_label": tier_display(tier),
                "flag_list": flags.get(row["account_id"], []),
                "region": names.regions.get(row["region_id"], ""),
                "owner": names.owners.get(row["owner_id"], ""),
                "sales_stage_label": str(sales_stages.get(row["sales_stage"], "")),
                "relationship_stage_label": str(
                    relationship_stages.get(row["relationship_stage"], "")
                ),
                "group": names.accounts.get(row["parent_id"], ""),
            }
        )
    return rows
