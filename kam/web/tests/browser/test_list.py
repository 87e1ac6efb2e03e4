"""The accounts list: filter, sort, search in Chinese, page, and export what is shown."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

LIST = "table.account-list"
TIER = "ordinary"  # the largest tier: the list has more than one page of them


def settle(tab) -> None:
    """Wait until htmx has swapped in the answer to the last filter or sort."""
    tab.page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def shown_codes(tab) -> list[str]:
    return [text.strip() for text in tab.page.locator(f"{LIST} tbody td.code").all_inner_texts()]


def shown_names(tab) -> list[str]:
    return [text.strip() for text in tab.page.locator(f"{LIST} tbody td.name").all_inner_texts()]


def column_index(tab, sort_key: str) -> int:
    """Where a column stands: the export has the list's columns in the list's order."""
    return tab.page.eval_on_selector(
        f"{LIST} thead",
        """(head, key) => Array.from(head.querySelectorAll('th'))
            .findIndex(th => th.querySelector(`a[data-sort="${key}"]`))""",
        sort_key,
    )


def download_export(tab):
    with tab.page.expect_download() as download:
        tab.page.locator("a.export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    content = io.BytesIO(download.value.path().read_bytes())
    rows = list(load_workbook(content, read_only=True).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_filter_sort_and_export_what_is_shown(browse):
    tab = browse("director")
    tab.goto("/customers/")
    everyone = shown_codes(tab)
    assert everyone, "the director sees accounts"

    tab.page.select_option("select[name=tier]", TIER)
    tab.page.wait_for_url(re.compile(f"tier={TIER}"))
    settle(tab)
    tab.page.locator(f'{LIST} a.sort[data-sort="net_contribution"]').click()
    tab.page.wait_for_url(re.compile(r"sort=-?net_contribution"))
    settle(tab)
    tab.assert_clean()
    assert f"tier={TIER}" in tab.page.url, "sorting keeps the filter"

    tier = column_index(tab, "tier")
    tiers = tab.page.locator(f"{LIST} tbody td:nth-child({tier + 1}) .tag")
    assert tiers.count() == len(shown_codes(tab)) > 0
    assert all(TIER in (cls or "") for cls in tiers.evaluate_all("e => e.map(t => t.className)"))
    label = tiers.first.inner_text().strip()
    first_page = shown_codes(tab)
    descending = "sort=-net_contribution" in tab.page.url
    column = column_index(tab, "net_contribution")

    header, exported = download_export(tab)
    shown_header = [
        text.replace("↓", "").replace("↑", "").strip()
        for text in tab.page.locator(f"{LIST} thead th").all_inner_texts()
    ]
    assert list(header) == shown_header, "the export has the columns shown"
    codes = [row[column_index(tab, "code")] for row in exported]
    assert codes[: len(first_page)] == first_page, "the export starts with the rows shown"
    assert all(str(row[tier]).startswith(label) for row in exported), f"only {TIER} accounts"
    values = [row[column] for row in exported if row[column] is not None]
    assert values == sorted(values, reverse=descending), "in the order the list shows"
    assert all(isinstance(value, float | int) for value in values), "figures are numbers"

    assert len(codes) > len(first_page), "the export holds every page"
    tab.page.locator("nav.pager a[rel=next]").first.click()
    tab.page.wait_for_url(re.compile(r"page=2"))
    settle(tab)
    second = shown_codes(tab)
    assert second and codes[len(first_page) : len(first_page) + len(second)] == second
    assert set(everyone) - set(codes), "the filter left some accounts out"


def test_search_by_chinese_name_and_by_code(browse, demo):
    tab = browse("director")
    tab.goto("/customers/")
    name = demo["accounts"]["C00006"]["name"]
    part = name[:4]
    assert re.search(r"[\u4e00-\u9fff]", part), "demo names are Chinese"

    tab.page.fill("input[name=q]", part)
    tab.page.press("input[name=q]", "Enter")
    tab.page.wait_for_url(re.compile(r"q="))
    settle(tab)
    assert "C00006" in shown_codes(tab)
    assert all(part in shown for shown in shown_names(tab))

    tab.goto("/customers/?q=C00006")
    assert shown_codes(tab) == ["C00006"]
    assert shown_names(tab) == [name]
