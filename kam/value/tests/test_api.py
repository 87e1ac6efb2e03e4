"""The value analysis over the API, as an integration sees it: a token sees exactly the
accounts and figures the same user sees on the value pages, unknown figures are null with
the reason, and the tier set by hand goes through the service with history and a stale-copy
check (kam.value.api)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.accounts import services as account_services
from kam.api.tests.conftest import TokenClient
from kam.core.history import history_of
from kam.sales.services import import_orders
from kam.users import services as user_services
from kam.value import services
from kam.value.tests.test_views import MONTHLY, write_ledger

pytestmark = pytest.mark.django_db

METRICS, PORTFOLIO = "/api/v1/metrics/", "/api/v1/portfolio/"


@pytest.fixture
def ledger(tmp_path, cast):
    """Two years of sales for the cast's accounts (the value pages' tests' ledger): data
    from January 2024, 深圳南山银行 new in 2025, imported the real way."""
    names = {a.code: a.name for a in (cast.east_account, cast.east_other, cast.south_account)}
    names[cast.south_shared.code] = cast.south_shared.name
    rows = [
        (code, names[code], date(year, month, 10), amount)
        for code, amounts in MONTHLY.items()
        for year, amount in zip((2024, 2025), amounts, strict=True)
        for month in range(1, 13)
        if amount
    ]
    write_ledger(tmp_path / "ledger.csv", rows)
    import_orders(tmp_path / "ledger.csv")
    return cast


@pytest.fixture
def api_of(cast):
    """api_of("owner_kam") → a client with a fresh token of that member of the cast."""

    def make(username: str, language: str = "en") -> TokenClient:
        _row, token = user_services.create_api_token(getattr(cast, username), "test")
        return TokenClient(token, HTTP_ACCEPT_LANGUAGE=language)

    return make


def tier_url(account) -> str:
    return f"/api/v1/accounts/{account.pk}/tier/"


def rows_of(api, **params) -> list[dict]:
    body = api.get(METRICS, {"limit": 500, **params}).json()
    assert body["count"] == len(body["results"])
    return body["results"]


def page_rows(client, user, **params) -> dict[int, dict]:
    """The account list page's rows for `user`, by account id."""
    client.force_login(user)
    return {row["account_id"]: row for row in client.get("/customers/", params).context["rows"]}


def amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    "who", ["boss", "east_manager", "owner_kam", "outsider_kam", "finance_user"]
)
def test_a_token_sees_exactly_the_accounts_of_the_value_pages(ledger, api_of, client, who):
    user = getattr(ledger, who)
    listed = {row["id"] for row in rows_of(api_of(who), period="2025")}
    assert listed == set(page_rows(client, user, period="2025"))
    summary = api_of(who).get(PORTFOLIO, {"period": "2025"}).json()
    dashboard = client.get("/dashboard/", {"period": "2025"}).context
    assert summary["headline"]["accounts"] == dashboard["accounts_seen"] == len(listed)
    assert summary["whole_portfolio"] is (who == "boss")


def test_the_figures_are_those_of_the_account_list_for_the_same_period(ledger, api_of, client):
    for period in ("2025", "2024-Q3", "ytd-2025-06"):
        page = page_rows(client, ledger.boss, period=period)
        for row in rows_of(api_of("boss"), period=period):
            shown = page[row["id"]]
            for name in ("revenue", "gross_profit", "net_contribution"):
                assert amount(row[name]) == shown[name], (period, name)
            for name in ("gross_margin", "growth", "days_to_pay", "orders", "score"):
                assert row[name] == shown[name], (period, name)
            assert (row["standing"], row["tier"]) == (shown["tier"], shown["held_tier"])
            assert row["currency"] == "CNY" and row["period"] == period


def test_the_summary_is_the_dashboard_for_the_same_period(ledger, api_of, client):
    for who in ("boss", "owner_kam"):
        summary = api_of(who).get(PORTFOLIO, {"period": "2025"}).json()
        client.force_login(getattr(ledger, who))
        page = client.get("/dashboard/", {"period": "2025"}).context
        headline = page["headline"]
        assert amount(summary["headline"]["revenue"]) == headline.revenue
        assert summary["headline"]["buyers"] == headline.buyers
        pyramid = [(r["tier"], r["accounts"], amount(r["revenue"])) for r in summary["pyramid"]]
        assert pyramid == [(r["tier"], r["accounts"], r["revenue"]) for r in page["tiers"]]
        assert summary["pareto"]["revenue_share"] == page["revenue_top_share"]
        assert summary["pareto"]["gross_profit_share"] == page["profit_top_share"]
        assert summary["health"]["top_revenue_share"] == headline.top_share
        assert summary["health"]["meets_minimum"] == headline.meets_minimum
        assert summary["false_key_accounts"]["total"] == page["false_kas"].total
    boss = api_of("boss").get(PORTFOLIO, {"period": "2025"}).json()
    assert boss["headline"]["revenue"] == "1860000.00"
    assert boss["headline"]["growth"] == pytest.approx(1860000 / 1560000 - 1)


def test_the_default_period_is_the_pages_default(ledger, api_of, client):
    client.force_login(ledger.boss)
    default = client.get("/dashboard/").context["period"]
    summary = api_of("boss").get(PORTFOLIO).json()
    assert (summary["period"]["start"], summary["period"]["end"]) == ("2025-01", "2025-12")
    assert summary["period"]["token"] == "2025" and default.start == date(2025, 1, 1)
    assert {row["period"] for row in rows_of(api_of("boss"))} == {"2025"}


# ---------------------------------------------------------------- unknown is not zero


@pytest.fixture
def uncosted(ledger, tmp_path):
    """A second ERP export without cost or payment columns: 广州珠江医院's June 2025."""
    lines = ["客户编码,客户名称,单据编号,日期,金额", "C-S001,广州珠江医院,NC-1,2025-06-20,8000"]
    (tmp_path / "no-cost.csv").write_text("\n".join(lines), encoding="utf-8")
    import_orders(tmp_path / "no-cost.csv", source="second-erp")
    return ledger


def test_unknown_figures_are_null_with_the_reason_never_zero(uncosted, api_of):
    rows = {row["code"]: row for row in rows_of(api_of("boss"), period="2025")}
    hospital = rows["C-S001"]
    assert hospital["revenue"] == "248000.00" and hospital["uncosted_revenue"] == "8000.00"
    for name in ("cost", "gross_profit", "gross_margin", "net_contribution"):
        assert hospital[name] is None
        assert "no cost" in hospital["unknown"][name]
    assert hospital["cash_collected"] is None
    assert "no payment data" in hospital["unknown"]["cash_collected"]
    assert rows["C-E001"]["unknown"] == {} and rows["C-E001"]["gross_profit"] == "360000.00"
    # a new account has no growth; before the data starts, nobody has
    assert rows["C-S002"]["growth"] is None
    assert "new account" in rows["C-S002"]["unknown"]["growth"]
    earlier = rows_of(api_of("boss"), period="2024")
    assert all(
        row["growth"] is None and "partly covered" in row["unknown"]["growth"] for row in earlier
    )
    summary = api_of("boss").get(PORTFOLIO, {"period": "2025"}).json()
    assert summary["headline"]["gross_profit"] is None
    assert summary["pareto"]["gross_profit_share"] is None
    assert "no cost" in summary["unknown"]["pareto.gross_profit_share"]
    chinese = api_of("boss", "zh-hans").get(PORTFOLIO, {"period": "2025"}).json()
    assert (
        chinese["unknown"]["headline.gross_profit"] != summary["unknown"]["headline.gross_profit"]
    )


# ---------------------------------------------------------------- filters, order, sync


def test_filters_and_ordering(ledger, api_of):
    api = api_of("boss")
    by_name = [row["code"] for row in rows_of(api, period="2025", ordering="name")]
    by_revenue = [row["code"] for row in rows_of(api, period="2025")]
    assert by_revenue == ["C-E001", "C-E002", "C-S001", "C-S002"]
    assert sorted(by_name) == sorted(by_revenue)
    assert [r["code"] for r in rows_of(api, period="2025", tier="diamond")] == ["C-E001"]
    assert [r["code"] for r in rows_of(api, period="2024", standing="none")] == ["C-S002"]
    assert [r["code"] for r in rows_of(api, period="2024", bought="false")] == ["C-S002"]
    assert [r["code"] for r in rows_of(api, period="2025", q="珠江")] == ["C-S001"]
    assert rows_of(api, period="2025", flag="any") == []
    only = rows_of(api, period="2025", account=ledger.east_other.pk)
    assert [r["id"] for r in only] == [ledger.east_other.pk]
    assert api.get(METRICS, {"ordering": "password"}).status_code == 400
    assert api.get(METRICS, {"tier": "platinum"}).status_code == 400


def test_updated_since_lists_the_rows_whose_figures_may_have_changed(ledger, api_of):
    api = api_of("boss")
    later = timezone.now().isoformat()
    assert rows_of(api, period="2025", updated_since=later) == []
    account_services.update_account(ledger.east_other, name="杭州西湖食品集团", by=ledger.boss)
    renamed = rows_of(api, period="2025", updated_since=later)
    assert [(r["id"], r["name"]) for r in renamed] == [(ledger.east_other.pk, "杭州西湖食品集团")]
    services.override_tier(ledger.south_shared, "gold", reason="集团战略", by=ledger.boss)
    # a tier by share depends on every account: after any input changed, every row
    assert len(rows_of(api, period="2025", updated_since=later)) == 4


# ---------------------------------------------------------------- bad periods


@pytest.mark.parametrize(
    "params",
    [
        {"period": "nonsense"},
        {"period": "2025-Q5"},
        {"period": "0001"},
        {"from": "2025-03"},
        {"from": "2025-08", "to": "2025-03"},
        {"period": "range"},
        {"from": "2025-13", "to": "2025-14"},
    ],
)
def test_a_period_that_names_nothing_is_a_400_in_the_callers_language(ledger, api_of, params):
    english = api_of("boss").get(METRICS, params)
    chinese = api_of("boss", "zh-hans").get(PORTFOLIO, params)
    assert english.status_code == chinese.status_code == 400
    assert "period" in english.json()["errors"] and "period" in chinese.json()["errors"]
    assert english.json()["detail"] != chinese.json()["detail"]
    assert api_of("boss").get(tier_url(ledger.east_account), params).status_code == 400


# ---------------------------------------------------------------- the tier set by hand


def test_setting_the_tier_by_hand_keeps_history_and_shows_everywhere(ledger, api_of):
    boss = api_of("boss")
    url = tier_url(ledger.east_other)
    read = boss.get(url, {"period": "2025"})
    assert read.json()["overridden"] is False and read.json()["computed_tier"] == "ordinary"
    body = {"override": "gold", "reason": "集团战略客户"}
    changed = boss.put(url, body, "application/json", HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200, changed.content
    tier = changed.json()
    assert (tier["tier"], tier["computed_tier"], tier["overridden"]) == ("gold", "ordinary", True)
    assert tier["overridden_by"] == ledger.boss.pk and tier["override_reason"] == "集团战略客户"
    assert changed["ETag"] != read["ETag"]
    entry = history_of(ledger.east_other).get(field="tier")
    assert (entry.new_value, entry.changed_by, entry.reason) == (
        "gold",
        ledger.boss,
        "集团战略客户",
    )
    history = boss.get(f"{url}history/").json()["results"]
    assert [(h["kind"], h["new_tier"], h["changed_by"]) for h in history] == [
        ("override", "gold", ledger.boss.pk)
    ]
    row = rows_of(boss, period="2025", account=ledger.east_other.pk)[0]
    assert (row["tier"], row["computed_tier"], row["overridden"]) == ("gold", "ordinary", True)
    cleared = boss.put(url, {"override": None, "reason": "回到计算"}, "application/json")
    assert cleared.json()["overridden"] is False and cleared.json()["tier"] == "ordinary"
    assert boss.get(f"{url}history/").json()["count"] == 2


def test_a_tier_changed_since_it_was_read_is_a_409_and_nothing_changes(ledger, api_of):
    director, url = api_of("director"), tier_url(ledger.east_account)
    etag = director.get(url)["ETag"]
    services.override_tier(ledger.east_account, "gold", reason="老板定的", by=ledger.boss)
    body = {"override": "strategic", "reason": "我的判断"}
    response = director.put(url, body, "application/json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    conflict = response.json()["conflicts"][0]
    assert (conflict["field"], conflict["now"]) == ("tier", "gold")
    assert director.get(url).json()["tier"] == "gold"
    assert history_of(ledger.east_account).filter(field="tier").count() == 1
    damaged = director.put(url, body, "application/json", HTTP_IF_MATCH='"garbled"')
    assert damaged.status_code == 400


def test_only_those_who_steer_tiers_set_them_and_a_reason_is_needed(ledger, api_of):
    body = {"override": "diamond", "reason": "想要"}
    url = tier_url(ledger.east_account)
    assert api_of("owner_kam").get(url).status_code == 200
    assert api_of("owner_kam").put(url, body, "application/json").status_code == 403
    assert api_of("outsider_kam").put(url, body, "application/json").status_code == 404
    assert api_of("outsider_kam").get(url).status_code == 404
    no_reason = api_of("boss").put(url, {"override": "gold", "reason": "  "}, "application/json")
    assert no_reason.status_code == 400 and no_reason.json()["detail"]
    assert api_of("boss").put(url, {"reason": "x"}, "application/json").status_code == 422
    assert not history_of(ledger.east_account).filter(field="tier").exists()
