"""The list's filters, search, sort and paging as pure functions over hand-made frames."""

from decimal import Decimal

import polars as pl
import pytest

from kam.accounts import listing
from kam.accounts.listing import Filters
from kam.value.analytics import frames
from kam.value.analytics.metrics import account_metrics
from kam.value.analytics.periods import Period
from kam.value.analytics.tiers import TIERS

METRICS_SCHEMA = account_metrics(frames.empty(frames.MONTHS), None, Period.year(2025)).schema

ACCOUNTS = [
    # id, code, name, region, owner, parent, sales stage, relationship stage
    (1, "C-001", "上海申华机械有限公司", 10, 100, None, "volume", "cooperative"),
    (2, "C-002", "上海申华机械（苏州）分公司", 10, 100, 1, "trial", "basic"),
    (3, "C-003", "Guangzhou Pearl Hospital", 20, 200, None, "sole", "alliance"),
    (4, "c-004", "深圳南山银行", 20, None, None, "qualified", "exploratory"),
    (5, "C-005", "苏州分公司的车间", 10, 100, 2, "qualified", "exploratory"),
]
FIGURES = {  # id: revenue, gross_profit, margin, growth, orders
    1: ("1000.00", "300.00", 0.30, 0.10, 12),
    2: ("250.50", "20.00", 0.08, None, 3),
    3: ("4000.00", "1600.00", 0.40, -0.25, 40),
    5: ("250.50", "100.00", 0.40, 0.5, 2),
}
TIER_ROWS = {
    1: ("gold", ["squeezer"], False),
    2: ("ordinary", [], False),
    3: ("diamond", [], True),
    5: ("strategic", ["group_buy"], False),
}


def accounts() -> pl.DataFrame:
    names = ["account_id", "code", "name", "region_id", "owner_id", "parent_id"]
    names += ["sales_stage", "relationship_stage"]
    return pl.DataFrame(ACCOUNTS, schema=names, orient="row")


def metrics() -> pl.DataFrame:
    rows = []
    for account_id, (revenue, profit, margin, growth, orders) in FIGURES.items():
        row = dict.fromkeys(METRICS_SCHEMA)
        row |= {
            "account_id": account_id,
            "revenue": Decimal(revenue),
            "gross_profit": Decimal(profit),
            "net_contribution": Decimal(profit),
            "gross_margin": margin,
            "growth": growth,
            "orders": orders,
        }
        rows.append(row)
    return pl.DataFrame(rows, schema=METRICS_SCHEMA)


def tiers() -> pl.DataFrame:
    return pl.DataFrame(
        [(a, t, f, o, 0.5) for a, (t, f, o) in TIER_ROWS.items()],
        schema={
            "account_id": pl.Int64,
            "tier": pl.Enum(TIERS),
            "flags": pl.List(pl.String),
            "overridden": pl.Boolean,
            "score": pl.Float64,
        },
        orient="row",
    )


def table() -> pl.DataFrame:
    return listing.account_table(accounts(), metrics(), tiers())


def codes(params: dict) -> list[str]:
    return listing.select(table(), Filters.from_params(params)).get_column("code").to_list()


def test_an_account_without_sales_is_listed_with_zero_figures_and_no_tier():
    row = table().filter(pl.col("account_id") == 4).row(0, named=True)
    assert row["revenue"] == 0 and row["orders"] == 0 and row["net_contribution"] == 0
    assert row["gross_margin"] is None and row["growth"] is None
    # no purchases in the period: its own standing, not 普通 (and no tier held either)
    assert row["tier"] == "none" and row["held_tier"] is None
    assert row["flags"] == [] and row["overridden"] is False


def test_default_order_is_revenue_largest_first_ties_by_code():
    assert codes({}) == ["C-003", "C-001", "C-002", "C-005", "c-004"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("revenue", ["c-004", "C-002", "C-005", "C-001", "C-003"]),
        ("-tier", ["C-003", "C-001", "C-005", "C-002", "c-004"]),
        ("tier", ["C-002", "C-005", "C-001", "C-003", "c-004"]),  # no tier: last either way
        ("-growth", ["C-005", "C-001", "C-003", "C-002", "c-004"]),
        ("code", ["C-001", "C-002", "C-003", "c-004", "C-005"]),  # letters' case ignored
        ("-orders", ["C-003", "C-001", "C-002", "C-005", "c-004"]),
    ],
)
def test_sort_by_any_column_with_empty_values_last(sort, expected):
    assert codes({"sort": sort}) == expected


def test_an_unknown_sort_falls_back_to_revenue():
    assert Filters.from_params({"sort": "-password"}).sort == "-revenue"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "gold"}, ["C-001"]),
        ({"flag": "any"}, ["C-001", "C-005"]),
        ({"flag": "group_buy"}, ["C-005"]),
        ({"region": "20"}, ["C-003", "c-004"]),
        ({"owner": "100"}, ["C-001", "C-002", "C-005"]),
        ({"stage": "qualified"}, ["C-005", "c-004"]),
        ({"rstage": "alliance"}, ["C-003"]),
        ({"group": "1"}, ["C-001", "C-002", "C-005"]),  # subsidiaries of subsidiaries too
        ({"group": "2"}, ["C-002", "C-005"]),
        ({"region": "10", "flag": "any"}, ["C-001", "C-005"]),
    ],
)
def test_filters(params, expected):
    assert codes(params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("上海申华", ["C-001", "C-002"]),
        ("分公司", ["C-002", "C-005"]),
        ("（苏州）", ["C-002"]),
        ("pearl", ["C-003"]),
        ("GUANGZHOU", ["C-003"]),
        ("c-00", ["C-003", "C-001", "C-002", "C-005", "c-004"]),
        ("C-004", ["c-004"]),
        ("银行 ", ["c-004"]),  # spaces around the term are the typist's, not the name's
        ("nothing like it", []),
    ],
)
def test_search_by_name_or_code_case_insensitive(q, expected):
    assert codes({"q": q}) == expected


@pytest.mark.parametrize(
    "params",
    [{"tier": "platinum"}, {"region": "east"}, {"owner": "-3"}, {"flag": "?"}, {"stage": "x"}],
)
def test_values_that_do_not_parse_are_ignored(params):
    filters = Filters.from_params(params)
    assert not filters.narrowed
    assert codes(params) == codes({})


def test_paging_counts_the_whole_selection_and_clamps_the_page():
    selected = listing.select(table(), Filters())
    page = listing.paginate(selected, 2, size=2)
    assert (page.number, page.pages, page.total) == (2, 3, 5)
    assert page.rows.get_column("code").to_list() == ["C-002", "C-005"]
    assert (page.first_index, page.last_index) == (3, 4)
    assert page.has_previous and page.has_next
    last = listing.paginate(selected, 99, size=2)
    assert last.number == 3 and last.rows.get_column("code").to_list() == ["c-004"]
    assert not last.has_next
    empty = listing.paginate(selected.clear(), 1)
    assert (empty.number, empty.pages, empty.total, empty.first_index) == (1, 1, 0, 0)


def test_pages_cover_every_row_once():
    selected = listing.select(table(), Filters(sort="-orders"))
    seen = []
    for number in (1, 2, 3):
        seen += listing.paginate(selected, number, size=2).rows.get_column("code").to_list()
    assert seen == selected.get_column("code").to_list()


def test_links_keep_the_filters_and_leave_out_defaults():
    filters = Filters.from_params({"tier": "gold", "q": "上海", "page": "3"})
    assert filters.params() == {"tier": "gold", "q": "上海", "page": "3"}
    assert filters.params(page=1) == {"tier": "gold", "q": "上海"}
    # a figure sorts largest first on the first click, the other way on the second
    assert "sort=-orders" in filters.sort_link("orders")
    assert "sort=orders" in Filters(sort="-orders").sort_link("orders")
    assert "sort=name" in filters.sort_link("name")
    assert "sort=-name" in Filters(sort="name").sort_link("name")
    assert "page" not in filters.sort_link("name")


def test_names_and_labels_on_the_rows():
    page = listing.select(table(), Filters(q="苏州"))
    names = listing.Names(
        regions={10: "华东"}, owners={100: "蔡艳"}, accounts={1: "集团", 2: "分公司"}
    )
    rows = listing.display_rows(page, names, {5: ["a flag"]})
    by_code = {row["code"]: row for row in rows}
    assert by_code["C-002"]["group"] == "集团" and by_code["C-005"]["group"] == "分公司"
    assert by_code["C-005"]["flag_list"] == ["a flag"]
    assert by_code["C-002"]["region"] == "华东" and by_code["C-002"]["owner"] == "蔡艳"
