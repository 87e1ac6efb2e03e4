"""The import page: a file with bad rows is reported row by row, every one of them in the
download, in the page's own words, and cannot be imported; a good file, once its columns are
mapped and its source given, is imported with visible progress."""

from __future__ import annotations

import csv
import io
import re

HEADERS = ["客户编码", "客户名称", "单据编号", "行号", "日期", "存货编码", "存货名称"]
HEADERS += ["数量", "单价", "金额", "成本"]
BAD_AMOUNT = "十二元"

COUNTS = """
from kam.accounts.models import Account
from kam.sales.models import ImportBatch, OrderLine
result = {
    "lines": OrderLine.objects.count(),
    "batches": ImportBatch.objects.count(),
    "accounts": Account.objects.count(),
}
"""


def csv_file(name: str, headers: list[str], rows: list[list]) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8")}


def line(demo, code: str, order: str, number: int, amount: str) -> list:
    name = demo["accounts"][code]["name"]
    return [
        code,
        name,
        order,
        number,
        "2025-12-30",
        "P-BT",
        "浏览器测试产品",
        2,
        "100.00",
        amount,
        "150.00",
    ]


def upload(tab, file: dict) -> None:
    tab.goto("/import/")
    tab.page.locator("#upload-form input[name=file]").set_input_files(file)
    with tab.page.expect_navigation():
        tab.page.locator("#upload-form button[type=submit]").click()
    tab.page.locator("#mapping-form").wait_for()
    tab.assert_clean()


def watch_for_progress(tab) -> None:
    """Remember whether the progress bar ever appears: a small import is over quickly."""
    tab.page.evaluate(
        """() => {
            window.kamSawProgress = false;
            new MutationObserver(() => {
                if (document.querySelector('#import-progress')) window.kamSawProgress = true;
            }).observe(document.body, {subtree: true, childList: true});
        }"""
    )


def recent_imports(tab) -> int:
    tab.goto("/import/")
    return tab.page.locator("#recent-imports tbody tr").count()


def test_a_bad_row_is_reported_and_nothing_is_written(browse, kam_server, demo):
    tab = browse("boss")
    before = kam_server.python(COUNTS)
    listed = recent_imports(tab)
    rows = [
        line(demo, "C00003", "BT-BAD-1", 1, "200.00"),
        line(demo, "C00003", "BT-BAD-1", 2, BAD_AMOUNT),
        line(demo, "C00006", "BT-BAD-2", 1, "200.00"),
    ]
    upload(tab, csv_file("bad-row.csv", HEADERS, rows))

    amount = tab.page.locator('#mapping-form tr[data-column="金额"] select')
    assert amount.input_value() == "amount", "the Chinese header is recognised"
    assert tab.page.locator("#preview tr[data-row]").count() == 3
    assert tab.page.locator('#preview tr.bad-row[data-row="3"]').count() == 1
    problem = tab.page.locator('#error-report tr[data-row="3"]')
    assert problem.count() == 1, "the bad row (row 3 of the file) is reported"
    assert BAD_AMOUNT in problem.inner_text() and "金额" in problem.inner_text()
    assert (
        tab.page.locator('#error-report tr[data-row="2"], #error-report tr[data-row="4"]').count()
        == 0
    )

    with tab.page.expect_download() as download:
        tab.page.locator("#error-download").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert BAD_AMOUNT in report and re.search(r"(^|\n)3,", report), report

    button = tab.page.locator("#import-button")
    assert button.is_disabled(), "a file the check refuses cannot be imported"
    assert tab.page.locator("#import-blocked").is_visible(), "the button says why"
    tab.assert_clean()

    assert kam_server.python(COUNTS) == before, "nothing was written"
    assert recent_imports(tab) == listed


def test_a_newcomer_gives_the_source_reads_the_page_words_and_gets_every_bad_row(
    browse, kam_server, demo
):
    tab = browse("boss")
    good = [line(demo, "C00003", "BT-NEW-1", 1, "200.00")]
    bad = [line(demo, "C00003", f"BT-NEW-{n}", 1, BAD_AMOUNT) for n in range(2, 152)]
    undated = line(demo, "C00006", "BT-NEW-999", 1, "200.00")
    undated[4] = "2025-13-45"
    upload(tab, csv_file("sap_orders_2025-12.csv", HEADERS, [*good, *bad, undated]))

    source = tab.page.locator("#mapping-form input[name=source]")
    assert source.input_value() == "", "the source is not taken from the last import"
    assert "sap-orders" in tab.page.locator("#mapping-form").inner_text()
    report = tab.page.locator("#error-report")
    text = report.inner_text()
    for flag in ("--date-format", "--date-order", "--skip-unidentified", "--map"):
        assert flag not in text, f"the page names its own controls, not {flag}"
    assert tab.page.locator("#error-report tr[data-row]").count() == 100, "the first ones"
    assert "51" in report.locator("p.muted").last.inner_text(), "and how many more"
    with tab.page.expect_download() as download:
        tab.page.locator("#error-download").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(3, 154)], "every bad row"
    assert tab.page.locator("#import-button").is_disabled()


def test_columns_are_mapped_by_hand_then_imported_with_progress(browse, kam_server, demo):
    tab = browse("boss")
    before = kam_server.python(COUNTS)
    headers = [*HEADERS]
    headers[4] = "Buchungstag"  # a date header kam does not know
    rows = [
        line(demo, "C00019", "BT-OK-1", 1, "200.00"),
        line(demo, "C00019", "BT-OK-1", 2, "300.00"),
    ]
    upload(tab, csv_file("needs-mapping.csv", headers, rows))

    date = tab.page.locator('#mapping-form tr[data-column="Buchungstag"] select')
    assert date.input_value() == "", "an unknown header is ignored until mapped"
    assert tab.page.locator("#error-report").is_visible(), "the missing date column is reported"
    date.select_option("order_date")
    with tab.page.expect_navigation():
        tab.page.locator("#mapping-form button[type=submit]").click()
    assert tab.page.locator("#check-ok").is_visible()
    assert tab.page.locator("#error-report").count() == 0
    assert tab.page.locator("#import-button").is_disabled(), "no source given yet"
    tab.page.locator("#mapping-form input[name=source]").fill("browser-test")
    with tab.page.expect_navigation():
        tab.page.locator("#mapping-form button[type=submit]").click()
    assert tab.page.locator("#import-button").is_enabled()

    watch_for_progress(tab)
    tab.page.locator("#import-button").click()
    done = tab.page.locator('#import-result[data-state="done"]')
    done.wait_for()
    assert tab.page.evaluate("window.kamSawProgress"), "a progress bar showed while importing"
    assert done.locator('[data-figure="lines_added"]').inner_text().strip() == "2"
    tab.assert_clean()

    after = kam_server.python(COUNTS)
    assert after["lines"] == before["lines"] + 2
    assert after["batches"] == before["batches"] + 1
    assert after["accounts"] == before["accounts"]
