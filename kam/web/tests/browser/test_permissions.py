"""What a KAM of another region meets when reaching for an account that is not theirs."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def test_outsider_kam_gets_404_on_another_teams_account(browse, demo):
    code = demo["big"]
    outsider = demo["outsider"]
    assert code not in demo["visible"][outsider]
    pk = demo["accounts"][code]["pk"]
    tab = browse(outsider)

    tab.goto(f"/customers/{pk}/", status=404)
    assert demo["accounts"][code]["name"] not in tab.page.content()
    assert tab.page.request.get(tab.url(f"/customers/{pk}/chart.json")).status == 404

    tab.goto(f"/customers/?q={code}")
    assert tab.page.locator("table.account-list tbody tr").count() == 0
    export = tab.page.request.get(tab.url(f"/customers/export.xlsx?q={code}"))
    assert export.ok
    rows = list(load_workbook(io.BytesIO(export.body()), read_only=True).active.values)
    assert len(rows) == 1, "the export holds the header only"


def test_kam_may_not_steer_tiers_or_import(browse, demo):
    tab = browse(demo["outsider"])
    nav = tab.page.locator("header nav")
    assert nav.locator("a[href='/what-if/'], a[href='/import/']").count() == 0, "not offered"
    tab.goto("/what-if/", status=403)
    tab.goto("/import/", status=403)
    own = demo["visible"][demo["outsider"]][0]
    tab.goto(f"/customers/{demo['accounts'][own]['pk']}/")
    assert tab.page.locator("#override-form").count() == 0
