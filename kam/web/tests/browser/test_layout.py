"""Layout a reader can use: the accounts list fits a laptop, tables scroll inside their
card on a phone, no chart for a period without sales, each language named in itself."""

from __future__ import annotations

import pytest

from .conftest import PHONE

LAPTOP = {"width": 1280, "height": 800}
# an account that first bought after the demo's first year, shown on that year
EMPTY_YEAR = """
from django.db.models import Min
from kam.accounts.models import Account
from kam.sales.models import AccountMonth
from kam.value import periods
from kam.value.analytics.periods import Period

year = AccountMonth.objects.aggregate(first=Min("month"))["first"].year
late = Account.objects.annotate(first=Min("months__month")).filter(first__year__gt=year)
account = late.order_by("first").first()
result = {"pk": account.pk, "query": periods.query_string(Period.year(year)), "owner": account.owner.username}
"""


def assert_no_overflow(tab) -> None:
    """The page itself never scrolls sideways on a phone; name what sticks out if it does."""
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    sticking_out = tab.page.evaluate(
        """limit => Array.from(document.querySelectorAll('body *'))
            .filter(el => el.getBoundingClientRect().right > limit + 1)
            .filter(el => !el.closest('.table-wrap, .chart'))
            .slice(0, 5).map(el => el.tagName + '.' + el.className + '#' + el.id)""",
        PHONE["width"],
    )
    assert width <= PHONE["width"], f"the page is {width} px wide: {sticking_out}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_accounts_list_shows_net_contribution_on_a_laptop(browse, language):
    tab = browse("director", language=language, viewport=LAPTOP)
    tab.goto("/customers/")
    tab.screenshot(f"list-1280-{language}")
    header = tab.page.locator('table.account-list th:has(a[data-sort="net_contribution"])')
    box = header.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
    growth = tab.page.locator('table.account-list th:has(a[data-sort="growth"])').bounding_box()
    assert growth is not None and growth["x"] + growth["width"] <= LAPTOP["width"]
    widths = tab.page.eval_on_selector(
        "table.account-list",
        "t => [t.scrollWidth, t.parentElement.clientWidth, document.documentElement.scrollWidth]",
    )
    assert widths[0] <= widths[1], f"the table needs {widths[0]} px in {widths[1]} px"
    assert widths[2] <= LAPTOP["width"]
    heights = tab.page.eval_on_selector_all(
        "table.account-list thead th.num", "ths => ths.map(th => th.getBoundingClientRect().height)"
    )
    assert max(heights) < 3 * min(heights), "a money header wraps over many lines"


def test_account_page_on_a_phone_cuts_no_table_off(browse, demo):
    tab = browse(demo["big_owner"], viewport=PHONE)
    tab.goto(f"/customers/{demo['accounts'][demo['big']]['pk']}/")
    tab.page.locator("#account-header").wait_for()
    assert_no_overflow(tab)
    cut = tab.page.eval_on_selector_all(
        "table",
        """tables => tables.filter(t => {
            const box = t.parentElement;
            const scrolls = getComputedStyle(box).overflowX === 'auto'
                || getComputedStyle(box).overflowX === 'scroll';
            const right = t.getBoundingClientRect().right;
            return !scrolls && right > box.getBoundingClientRect().right + 1;
        }).map(t => t.id || t.className)""",
    )
    assert not cut, f"tables cut off on a phone: {cut}"
    tab.screenshot("account-phone")


def test_dashboard_on_a_phone_does_not_overflow(browse):
    tab = browse("director", viewport=PHONE)
    tab.goto("/")
    assert_no_overflow(tab)


def test_language_switch_names_each_language_in_itself(browse):
    for language in ("zh-hans", "en"):
        tab = browse("director", language=language)
        tab.goto("/customers/")
        names = tab.page.locator("select#language-switch option").all_inner_texts()
        assert [n.strip() for n in names] == ["中文", "English"]


def test_a_year_without_sales_draws_no_chart(browse, kam_server):
    empty = kam_server.python(EMPTY_YEAR)
    tab = browse(empty["owner"])
    tab.goto(f"/customers/{empty['pk']}/?{empty['query']}")
    for chart in ("#waterfall-chart", "#trend-chart"):
        assert tab.page.locator(f"{chart} svg, {chart} canvas").count() == 0
        assert "没有销售" in tab.page.locator(chart).inner_text(), f"{chart} says why"
