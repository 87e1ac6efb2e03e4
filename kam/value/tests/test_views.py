"""The dashboard and the what-if page, as each role sees them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from kam.accounts import services as account_services
from kam.accounts.models import Account
from kam.core.models import FieldChange
from kam.sales.models import AccountMonth
from kam.sales.services import import_orders
from kam.value import charts, periods, portfolio, services
from kam.value.analytics.periods import Period
from kam.value.analytics.policy import Policy
from kam.value.config import policy_from_dict
from kam.value.models import AccountTier, TierConfig

pytestmark = pytest.mark.django_db

HEADER = "客户编码,客户名称,单据编号,日期,金额,成本,回款金额,回款日期"
MONTHLY = {  # code: (2024 monthly revenue, 2025 monthly revenue)
    "C-E001": (60_000, 100_000),
    "C-E002": (50_000, 30_000),
    "C-S001": (20_000, 20_000),
    "C-S002": (0, 5_000),
}


def write_ledger(path, rows: list[tuple[str, str, date, int]]) -> None:
    lines = [HEADER]
    for n, (code, name, day, amount) in enumerate(rows):
        cost = amount * 7 // 10
        lines.append(f"{code},{name},SO-{code}-{n},{day},{amount},{cost},{amount},{day}")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def ledger(tmp_path, cast):
    """Two years of sales for the cast's accounts, imported the real way."""
    names = dict(Account.objects.values_list("code", "name"))
    rows = []
    for code, amounts in MONTHLY.items():
        for year, amount in zip((2024, 2025), amounts, strict=True):
            rows += [(code, names[code], date(year, m, 10), amount) for m in range(1, 13) if amount]
    write_ledger(tmp_path / "ledger.csv", rows)
    import_orders(tmp_path / "ledger.csv")
    return cast


def revenue_seen_by(user, year: int) -> Decimal:
    """Independently of the analysis: the rollup summed over the accounts `user` may see."""
    visible = Account.objects.restrict(user)
    total = AccountMonth.objects.filter(account__in=visible, month__year=year).aggregate(
        total=Sum("revenue")
    )["total"]
    return total or Decimal(0)


# ---------------------------------------------------------------- dashboard


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_boss_sees_the_whole_portfolio_with_every_figure(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    for hook in ("pyramid", "pareto", "top10-gauge", "top10-trend", "tier-moves", "false-ka"):
        assert f'id="{hook}"' in html
    assert 'id="top-net"' in html
    assert response.context["period"] == Period.year(2025)  # the last whole year
    assert response.context["headline"].revenue == revenue_seen_by(ledger.boss, 2025)
    assert response.context["headline"].revenue == Decimal("1860000")
    assert response.context["headline"].buyers == 4


def test_a_kam_sees_only_their_accounts_figures(ledger, client):
    client.force_login(ledger.owner_kam)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    headline = response.context["headline"]
    assert headline.revenue == revenue_seen_by(ledger.owner_kam, 2025) == Decimal("1200000")
    assert headline.buyers == 1
    html = response.content.decode()
    assert ledger.east_account.name in html  # top by net contribution
    for other in (ledger.south_account, ledger.south_shared, ledger.east_other):
        assert other.name not in html
    shown = {row["id"] for row in response.context["top_net"]}
    assert shown == {ledger.east_account.pk}


def test_a_regional_manager_sees_the_region_and_his_team_accounts(ledger, client):
    client.force_login(ledger.east_manager)
    response = client.get("/dashboard/")
    expected = revenue_seen_by(ledger.east_manager, 2025)
    assert expected == Decimal("1200000") + Decimal("360000") + Decimal("60000")
    assert response.context["headline"].revenue == expected


def test_figures_link_to_the_accounts_behind_them(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/")
    html = response.content.decode()
    for tier in ("diamond", "gold", "strategic", "ordinary"):
        assert f'href="/customers/?tier={tier}&amp;period=2025"' in html
    assert 'href="/customers/?sort=-net_contribution&amp;period=2025"' in html
    assert f'href="/customers/{ledger.east_account.pk}/"' in html
    pyramid = response.context["pyramid"]["series"][0]["data"]
    assert pyramid[0]["link"] == "/customers/?tier=diamond&period=2025"
    gauge = response.context["gauge"]["series"][0]["data"][0]
    assert gauge["link"] == "/customers/?sort=-revenue&period=2025"
    # the charts' options are embedded for kam.js to draw
    assert '<script id="pyramid-data" type="application/json">' in html


def test_the_pyramid_counts_accounts_and_revenue_per_tier(ledger, client):
    client.force_login(ledger.boss)
    tiers = {row["tier"]: row for row in client.get("/dashboard/").context["tiers"]}
    # four buyers: the top 3% (fewer than 0.12 accounts ahead) is the biggest one alone
    assert tiers["diamond"]["accounts"] == 1
    assert tiers["diamond"]["revenue"] == Decimal("1200000")
    assert sum(row["accounts"] for row in tiers.values()) == 4
    assert sum(row["revenue"] for row in tiers.values()) == Decimal("1860000")


def test_a_quarter_can_be_picked_and_links_keep_it(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/", {"year": 2025, "quarter": 2})
    assert response.context["period"] == Period.quarter(2025, 2)
    assert response.context["headline"].revenue == Decimal("465000")
    assert "/customers/?tier=diamond&amp;period=2025-Q2" in response.content.decode()
    assert response.context["previous_period"] == Period.quarter(2025, 1)


def test_an_unknown_year_falls_back_to_the_default(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/", {"year": "1999"})
    assert response.status_code == 200
    assert response.context["period"] == Period.year(2025)


def test_the_default_is_this_year_to_date_once_the_data_reaches_it(
    ledger, client, tmp_path, monkeypatch
):
    monkeypatch.setattr(periods, "today", lambda: date(2026, 2, 15))
    client.force_login(ledger.boss)
    assert client.get("/dashboard/").context["period"] == Period.year(2025)  # no 2026 yet
    write_ledger(
        tmp_path / "january.csv", [("C-E001", "上海申华机械有限公司", date(2026, 1, 5), 1)]
    )
    import_orders(tmp_path / "january.csv")
    response = client.get("/dashboard/")
    period = response.context["period"]
    # January 2026, the last month with data, compared with January 2025
    assert (period.kind, period.start, period.end) == ("ytd", date(2026, 1, 1), date(2026, 1, 31))
    assert response.context["previous_period"] == Period.month(2025, 1)
    html = response.content.decode()
    assert 'value="2025"' in html  # the years stay offered
    assert 'value="ytd-2026-01"' in html


def test_tier_movements_compare_with_the_previous_year(ledger, client):
    client.force_login(ledger.boss)
    moves = client.get("/dashboard/").context["moves"]
    assert moves.previous == Period.year(2024)
    # C-S002 bought nothing in 2024: it comes in as a new account
    new = moves.matrix[charts.NOT_RANKED]
    assert sum(new.values()) == 1
    before = portfolio.run_analysis(Period.year(2024))
    now = portfolio.run_analysis(Period.year(2025))

    def standing(analysis):  # an account with no sales in a period is 'not active' there
        rows = analysis.tiers.select("account_id", "tier", "score").iter_rows()
        return {a: (tier if score is not None else None) for a, tier, score in rows}

    then, current = standing(before), standing(now)
    changed = sum(1 for a in then.keys() | current.keys() if then.get(a) != current.get(a))
    assert moves.moved == changed


def test_without_an_earlier_year_there_is_nothing_to_compare(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/", {"year": 2024})
    assert response.context["moves"] is None
    assert response.status_code == 200


def test_an_account_with_nothing_to_see_still_gets_a_page(cast, client):
    client.force_login(cast.finance_user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["headline"].revenue == 0


def test_the_dashboard_reads_in_chinese_and_english(ledger, client):
    client.force_login(ledger.boss)
    chinese = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "钻石" in chinese and "¥186万" in chinese
    english = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert "Value pyramid" in english and "Diamond" in english and "¥1.9M" in english


def test_the_dashboard_makes_few_queries_whatever_the_data(
    ledger, client, tmp_path, django_assert_max_num_queries
):
    client.force_login(ledger.owner_kam)
    client.get("/dashboard/")  # computes and caches the analyses
    # 10 for the dashboard's own figures, 5 for the coverage panel (kam.care: the policy, the
    # key accounts, their contacts, sponsors and executive visits)
    with django_assert_max_num_queries(15):
        client.get("/dashboard/")
    rows = []
    for n in range(30):
        account = account_services.create_account(
            name=f"新客户{n}", code=f"N{n:03d}", region=ledger.east, owner=ledger.owner_kam
        )
        rows += [(account.code, account.name, date(y, 6, 1), 1000 * (n + 1)) for y in (2024, 2025)]
    write_ledger(tmp_path / "more.csv", rows)
    import_orders(tmp_path / "more.csv")
    client.get("/dashboard/")
    with django_assert_max_num_queries(15):
        response = client.get("/dashboard/")
    assert response.context["headline"].buyers == 31


# ---------------------------------------------------------------- the demo company


def test_demo_dashboard_shows_planted_false_key_accounts_with_evidence(client, db):
    from kam.demo import generator
    from kam.demo.services import build_demo
    from kam.users.models import User

    build_demo(seed=2026, scale=1.0)
    boss = User.objects.get(username="boss")
    client.force_login(boss)
    response = client.get("/dashboard/", {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    analysis = portfolio.run_analysis(Period.year(2025))
    flagged = {f.account_id for f in analysis.flags}
    ids = dict(Account.objects.values_list("code", "id"))
    planted = {
        ids[code]
        for code, kind in generator.PLANTED.items()
        if kind != generator.GENUINE_KEY and ids[code] in flagged
    }
    assert len(planted) >= 6
    shown = {row["id"]: row for row in response.context["false_kas"].accounts}
    assert planted <= set(shown)
    section = html[html.index('id="false-ka"') : html.index('id="top-net"')]
    for account_id in planted:
        assert f'data-account="{account_id}"' in section
        assert shown[account_id]["flags"][0]["evidence"], account_id
    assert 'data-metric="gross_margin"' in section  # the heavy low-margin buyers
    assert "Margin squeezer" in section
    # a KAM of the demo: their figures are the sum over their accounts
    kam = User.objects.get(username="kam01")
    client.force_login(kam)
    with_kam = client.get("/dashboard/", {"year": 2025})
    assert with_kam.context["headline"].revenue == revenue_seen_by(kam, 2025)
    client.get("/dashboard/", {"year": 2025})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/dashboard/", {"year": 2025})
    assert len(queries) <= 15  # the figures 10, the coverage panel 5


# ---------------------------------------------------------------- what-if


def settings_form(**changes) -> dict:
    """The what-if form as a browser posts it, with the default settings."""
    data = {
        "year": "2025",
        "weight_revenue": "30",
        "weight_gross_profit": "30",
        "weight_cash_collected": "20",
        "weight_orders": "10",
        "weight_net_contribution": "10",
        "weight_growth": "",
        "weight_active_months": "",
        "method": "percentile",
        "diamond_share": "3",
        "gold_share": "12",
        "diamond_threshold": "100000000",
        "gold_threshold": "10000000",
        "strategic_potential": "0.6",
        "strategic_growth": "30",
        "strategic_revenue_quantile": "50",
        "name": "",
        "note": "",
    }
    return data | changes


def unchanged_state() -> tuple:
    return (
        TierConfig.objects.count(),
        AccountTier.objects.count(),
        FieldChange.objects.count(),
        list(TierConfig.objects.values_list("name", "is_active", "policy")),
    )


@pytest.mark.parametrize("who", ["owner_kam", "outsider_kam", "east_manager", "finance_user"])
def test_only_those_who_steer_tiers_reach_the_what_if_page(cast, client, who):
    client.force_login(getattr(cast, who))
    assert client.get("/what-if/").status_code == 403
    assert client.post("/what-if/", settings_form(action="save", name="x")).status_code == 403
    assert not TierConfig.objects.exists()


def test_what_if_starts_from_the_active_configuration(ledger, client):
    policy = policy_from_dict({"tiers": {"diamond_share": 0.05, "gold_share": 0.125}})
    services.save_tier_config("五个百分点", policy, activate=True)
    client.force_login(ledger.director)
    response = client.get("/what-if/")
    assert response.status_code == 200
    html = response.content.decode()
    for hook in ("whatif-form", "whatif-preview", "whatif-save"):
        assert f'id="{hook}"' in html
    assert 'name="diamond_share" value="5"' in html
    assert 'name="gold_share" value="12.5"' in html
    assert 'name="weight_revenue" value="30"' in html
    assert "五个百分点" in html


def test_preview_reports_who_moves_and_saves_nothing(ledger, client):
    client.force_login(ledger.boss)
    client.get("/dashboard/")  # tiers as they are
    before = unchanged_state()
    response = client.post("/what-if/", settings_form(diamond_share="60", gold_share="20"))
    assert response.status_code == 200
    summary = response.context["summary"]
    # four buyers: 60% makes diamond whoever has fewer than 2.4 accounts ahead
    counts = {row["tier"]: row for row in summary.counts}
    assert counts["diamond"]["before"] == 1 and counts["diamond"]["after"] == 3
    moved = {m["id"] for m in summary.moves}
    assert ledger.east_account.pk not in moved
    assert len(moved) == summary.moved >= 2
    html = response.content.decode()
    assert 'id="whatif-moves"' in html
    for account_id in moved:
        assert f'href="/customers/{account_id}/"' in html
    assert unchanged_state() == before


def test_preview_with_htmx_returns_only_the_form_and_result(ledger, client):
    client.force_login(ledger.boss)
    response = client.post("/what-if/", settings_form(diamond_share="50"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="whatif-body"')
    assert 'id="whatif-preview"' in html and response.context["summary"] is not None


def test_saving_creates_a_named_configuration(ledger, client):
    client.force_login(ledger.director)
    response = client.post(
        "/what-if/",
        settings_form(
            action="save", name=" 宽松黄金 ", gold_share="20", weight_orders="0", activate="on"
        ),
    )
    config = TierConfig.objects.get(name="宽松黄金")
    assert response.status_code == 302
    assert response["Location"] == f"/what-if/?config={config.pk}"
    assert config.is_active and config.created_by == ledger.director
    assert config.policy["tiers"] == {"gold_share": 0.2}
    assert "orders" not in config.policy["value"]["weights"]
    assert portfolio.active_policy().tiers.gold_share == 0.2
    # the dashboard now reads with the new setting
    assert client.get("/dashboard/").context["pyramid"]


def test_saving_without_activating_keeps_the_active_one(ledger, client):
    services.save_tier_config("现行", Policy(), activate=True)
    client.force_login(ledger.boss)
    client.post("/what-if/", settings_form(action="save", name="试算", diamond_share="5"))
    assert TierConfig.objects.get(is_active=True).name == "现行"
    assert TierConfig.objects.get(name="试算").policy == {"tiers": {"diamond_share": 0.05}}


def test_saving_with_htmx_redirects_the_page(ledger, client):
    client.force_login(ledger.boss)
    response = client.post(
        "/what-if/", settings_form(action="save", name="甲"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/what-if/?config=")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_revenue": "-1"}, "weight_revenue", "greater than or equal to 0"),
        (
            {f"weight_{m}": "0" for m in ("revenue", "gross_profit", "cash_collected", "orders")}
            | {"weight_net_contribution": ""},
            "__all__",
            "at least one metric",
        ),
        ({"diamond_share": "40", "gold_share": "70"}, "__all__", "more than 100"),
        ({"diamond_share": "120"}, "diamond_share", "less than or equal to 100"),
        (
            {"method": "absolute", "diamond_threshold": "5000000"},
            "diamond_threshold",
            "above the gold threshold",
        ),
        ({"method": "absolute", "gold_threshold": "0"}, "gold_threshold", "above zero"),
        ({"method": "by-feel"}, "method", "Select a valid choice"),
        ({"strategic_potential": "3"}, "strategic_potential", "less than or equal to 1"),
        ({"action": "save", "name": "  "}, "name", "a name"),
        ({"diamond_share": "abc"}, "diamond_share", "Enter a number"),
    ],
)
def test_bad_settings_are_explained_and_change_nothing(ledger, client, changes, field, message):
    client.force_login(ledger.boss)
    before = unchanged_state()
    data = settings_form(**changes)
    response = client.post("/what-if/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert response.context["summary"] is None
    assert 'class="form-errors"' in response.content.decode()
    assert unchanged_state() == before


def test_bad_settings_are_explained_in_chinese(ledger, client):
    client.force_login(ledger.boss)
    response = client.post(
        "/what-if/", settings_form(weight_revenue="-5"), HTTP_ACCEPT_LANGUAGE="zh-Hans"
    )
    assert "确保该值大于或等于0" in response.content.decode()


def test_what_if_reads_in_english(ledger, client):
    client.force_login(ledger.boss)
    html = client.get("/what-if/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Value score weights" in html and "Preview" in html


def test_the_buyers_card_and_the_pyramid_rows_open_lists_of_as_many_accounts(ledger, client):
    client.force_login(ledger.boss)
    response = client.get("/dashboard/")
    buyers = response.context["headline"].buyers
    listed = client.get(response.context["links"]["buyers"]).context["page"].total
    assert listed == buyers == 4
    rows = response.context["tiers"]
    assert sum(row["accounts"] for row in rows if row["tier"] != "none") == buyers
    for row in rows:
        assert client.get(row["link"]).context["page"].total == row["accounts"], row["tier"]


def test_a_tier_set_by_hand_is_marked_on_the_dashboard_and_in_the_export(ledger, client):
    import io

    from openpyxl import load_workbook

    account = Account.objects.get(code="C-S001")
    services.override_tier(account, "gold", reason="董事会决定", by=ledger.boss)
    client.force_login(ledger.boss)
    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    row = next(r for r in response.context["top_net"] if r["code"] == "C-S001")
    assert row["tier"] == "gold" and row["overridden"]
    html = response.content.decode()
    assert '<span class="tag gold">' in html and "set by hand</span>" in html
    export = client.get("/customers/export.xlsx", {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = {cell.value for line in sheet.iter_rows() for cell in line}
    assert "Gold (set by hand)" in cells
