"""The API's docs page (Swagger UI from django-ninja's own package) runs under kam's
Content-Security-Policy, offline, and lets a signed-in user try an operation."""


def test_the_api_docs_load_without_csp_violations_and_try_a_list(browse):
    tab = browse("boss")
    tab.goto("/api/v1/docs")
    operation = "#operations-accounts-kam_accounts_api_list_accounts"
    tab.page.wait_for_selector(operation, timeout=15_000)
    tab.page.click(f"{operation} .opblock-summary")
    tab.page.click("button.try-out__btn")
    tab.page.click("button.execute")
    tab.page.wait_for_selector(".live-responses-table tbody .response-col_status", timeout=15_000)
    status = tab.page.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    assert status.strip() == "200"
    assert '"count"' in tab.page.locator(".live-responses-table").inner_text()
    tab.assert_clean()
