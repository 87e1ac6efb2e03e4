"""The value engine over a real database: imported files, the demo company, tiers and history."""

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.accounts.models import Account
from kam.core.history import history_of
from kam.core.tests.test_spreadsheets import FORMULA_NAMES
from kam.demo import generator as demo_generator
from kam.demo.services import build_demo
from kam.sales.services import import_orders
from kam.value import portfolio, services
from kam.value.analytics.periods import Period
from kam.value.analytics.policy import Policy, TierPolicy
from kam.value.config import policy_from_dict, policy_to_dict
from kam.value.models import AccountTier, TierConfig
from kam.value.tests.test_analytics_analysis import ACCOUNT_KEYS

pytestmark = pytest.mark.django_db
SUPERSTORE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "superstore_sales.csv"


def independent_superstore(year: int) -> pl.DataFrame:
    """Per customer revenue, profit and orders for a year, with plain Polars over the raw file."""
    raw = pl.read_csv(SUPERSTORE, encoding="cp1252", infer_schema=False)
    raw = raw.rename({c: c.strip() for c in raw.columns}).filter(
        pl.col("Customer ID").is_not_null()
    )

    def dollars(column: str) -> pl.Expr:
        text = pl.col(column).str.strip_chars().str.replace_all(r"[$,]", "")
        return pl.when(text == "-").then(pl.lit("0")).otherwise(text).cast(pl.Decimal(38, 2))

    dates = pl.col("Order Date").str.replace_all("/", "-").str.to_date("%m-%d-%Y")
    return (
        raw.with_columns(day=dates)
        .filter(pl.col("day").dt.year() == year)
        .group_by(pl.col("Customer ID").alias("code"))
        .agg(
            revenue=dollars("Sales").sum(),
            profit=dollars("Profit").sum(),
            orders=pl.col("Order ID").n_unique(),
        )
    )


def test_superstore_metrics_match_an_independent_computation():
    import_orders(SUPERSTORE, source="superstore", date_order="MDY", skip_unidentified=True)
    expected = independent_superstore(2017)
    data = portfolio.run_analysis(Period.year(2017))
    from kam.value.analytics.analysis import to_json

    got = {a["code"]: a for a in to_json(data)["accounts"] if Decimal(a["revenue"]) != 0}
    assert len(got) == expected.height
    for row in expected.iter_rows(named=True):
        mine = got[row["code"]]
        assert Decimal(mine["revenue"]) == row["revenue"], row["code"]
        assert Decimal(mine["gross_profit"]) == row["profit"], row["code"]
        assert mine["orders"] == row["orders"], row["code"]
    # The file has no payment columns: kam says it does not know what was collected or is
    # owed (unknown is not zero), so the financing cost and net contribution are unknown too.
    for key in ("cash_collected", "receivables", "financing_cost", "net_contribution"):
        assert {a[key] for a in got.values()} == {None}, key
    revenues = expected.get_column("revenue").sort(descending=True)
    top10 = float(revenues.head(10).sum() / revenues.sum())
    assert to_json(data)["health"]["top10_revenue_share"] == pytest.approx(top10, abs=1e-9)


def test_demo_company_planted_cases_are_flagged_and_genuine_keys_are_not():
    build_demo(seed=2026, scale=1.0)
    ids = dict(Account.objects.values_list("code", "id"))
    for year in demo_generator.YEARS:
        analysis = portfolio.run_analysis(Period.year(year), policy=Policy())
        found = {(a, f.kind) for f in analysis.flags for a in [f.account_id]}
        active = set(
            analysis.metrics.filter(pl.col("revenue") != 0).get_column("account_id").to_list()
        )
        # the demo exports carry cost and payments on every line: nothing is unknown, so
        # its figures are what they were before unknowns existed
        known = ("gross_profit", "net_contribution", "receivables", "financing_cost")
        assert analysis.metrics.select(pl.col(known).null_count().sum()).row(0) == (0,) * 4
        assert set(analysis.tiers.get_column("score_metrics").explode().drop_nulls()) == set(
            Policy().value.weights
        )
        for code, kind in demo_generator.PLANTED.items():
            if kind == demo_generator.GENUINE_KEY:
                assert not any(a == ids[code] for a, _k in found), (year, code)
            elif ids[code] in active:
                assert (ids[code], kind) in found, (year, code, kind)
        planted_ids = {ids[c] for c in demo_generator.PLANTED}
        assert {a for a, _k in found} <= planted_ids, year  # nobody else is flagged
        tiers = dict(analysis.tiers.select("account_id", "tier").iter_rows())
        for code, kind in demo_generator.PLANTED.items():
            if kind == demo_generator.GENUINE_KEY:
                assert tiers[ids[code]] in ("diamond", "gold"), (year, code)
            elif ids[code] in tiers and (ids[code], kind) in found:
                assert tiers[ids[code]] not in ("diamond", "gold"), (year, code)


@pytest.fixture
def ledger(tmp_path, cast):
    """Three years of a small ledger for the cast's accounts, imported the real way."""
    header = "客户编码,客户名称,单据编号,日期,金额,成本,回款金额,回款日期"
    rows = []
    for account, monthly in ((cast.east_account, 100_000), (cast.south_account, 20_000)):
        account.code = f"K{account.pk}"
        account.save()
        for month in range(1, 13):
            day = date(2025, month, 10)
            rows.append(
                f"{account.code},{account.name},{account.pk}-{month},{day},{monthly},{monthly * 0.7},{monthly},{day}"
            )
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    import_orders(path)
    return cast


def test_analysis_sees_only_what_the_user_may_see(ledger):
    everyone = portfolio.run_analysis(Period.year(2025))
    mine = portfolio.run_analysis(Period.year(2025), user=ledger.outsider_kam)
    assert set(mine.metrics.get_column("account_id")) == {ledger.south_account.pk}
    assert set(everyone.metrics.get_column("account_id")) == {
        ledger.east_account.pk,
        ledger.south_account.pk,
    }


def test_unpaid_lines_of_an_export_with_payment_columns_are_owed(ledger, tmp_path):
    header = "客户编码,单据编号,日期,金额,回款金额,回款日期"
    code = ledger.east_account.code
    path = tmp_path / "unpaid.csv"
    path.write_text(f"{header}\n{code},U-1,2025-12-01,5000,,\n", encoding="utf-8")
    import_orders(path)
    from kam.value.analytics.analysis import to_json

    data = {a["code"]: a for a in to_json(portfolio.run_analysis(Period.year(2025)))["accounts"]}
    assert data[code]["receivables"] == "5000.00"


def test_apply_tiers_keeps_history_of_computed_changes(ledger):
    analysis = portfolio.run_analysis(Period.year(2025))
    first = services.apply_tiers(analysis, by=ledger.director)
    # every live account gets a computed tier, the two without sales too (ordinary)
    assert first.changed == Account.objects.alive().count() == 4
    assert services.apply_tiers(analysis).changed == 0
    state = AccountTier.objects.get(account=ledger.east_account)
    change = history_of(ledger.east_account, "computed_tier").get()
    assert (change.old_value, change.new_value, change.changed_by) == (
        "",
        state.computed_tier,
        ledger.director,
    )
    assert "2025-01-01" in change.reason


def test_override_needs_a_reason_and_is_kept_in_history(ledger):
    account = ledger.south_account
    with pytest.raises(ValidationError):
        services.override_tier(account, "diamond", reason="  ", by=ledger.director)
    state = services.override_tier(
        account, "diamond", reason="集团总部战略合作", by=ledger.director
    )
    assert state.tier == "diamond"
    change = history_of(account, "tier").get()
    assert (change.new_value, change.reason, change.changed_by) == (
        "diamond",
        "集团总部战略合作",
        ledger.director,
    )
    services.clear_override(account, reason="合作结束", by=ledger.boss)
    assert AccountTier.objects.get(account=account).override_tier == ""
    assert history_of(account, "tier").count() == 2


def test_named_configurations_are_saved_compared_and_activated(ledger):
    strict = Policy(tiers=TierPolicy(method="absolute", gold_threshold=Decimal("1000000")))
    config = services.save_tier_config("严格", strict, by=ledger.director, activate=True)
    assert config.policy == {"tiers": {"method": "absolute", "gold_threshold": "1000000"}}
    assert policy_from_dict(config.policy) == strict
    assert portfolio.active_policy() == strict
    services.save_tier_config("默认", Policy(), activate=True)
    assert TierConfig.objects.filter(is_active=True).get().name == "默认"
    analysis = portfolio.run_analysis(Period.year(2025))
    change = portfolio.preview(analysis, strict)
    assert change is not None
    assert policy_to_dict(Policy()) == {}


def test_potential_inputs_keep_history(ledger):
    services.set_potential(
        ledger.east_account, by=ledger.owner_kam, wallet=Decimal("5000000"), influence=4
    )
    services.set_potential(ledger.east_account, by=ledger.owner_kam, influence=5)
    changes = list(
        history_of(ledger.east_account, "potential.influence")
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert changes == [("", "4"), ("4", "5")]
    with pytest.raises(ValidationError):
        services.set_potential(ledger.east_account, influence=9)


def test_cli_json_has_the_documented_shape(ledger, tmp_path, capsys):
    out = tmp_path / "analysis.json"
    call_command("analyze", "--year", "2025", "--format", "json", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["period"] == {
        "from": "2025-01-01",
        "to": "2025-12-31",
        "kind": "year",
        "previous": {"from": "2024-01-01", "to": "2024-12-31"},
        "growth_unknown_reason": "previous_not_covered",  # the ledger starts in 2025
    }
    assert data["currency"] == "CNY"
    first = data["accounts"][0]
    assert first["growth"] is None and first["revenue_prev"] is None
    assert set(first) >= ACCOUNT_KEYS
    assert first["revenue"] == "1200000.00"
    assert first["tier"] in ("diamond", "gold", "strategic", "ordinary")
    assert set(data["pareto"]) >= {"top20_revenue_share", "top20_profit_share"}
    assert set(data["health"]) >= {"top10_revenue_share", "meets_minimum"}
    assert data["health"]["top10_revenue_share"] == 1.0


def test_cli_xlsx_and_table(ledger, tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "analysis.xlsx"
    call_command(
        "analyze", "--year", "2025", "--format", "xlsx", "--output", str(out), "--lang", "en"
    )
    book = openpyxl.load_workbook(out)
    sheet = book["Accounts"]
    assert sheet["A1"].value == "Code"
    assert sheet["E2"].value == 1200000
    call_command("analyze", "--year", "2025", "--lang", "en")
    assert "Top 10 accounts: 100.0% of revenue" in capsys.readouterr().out


def test_tiers_command_saves_previews_and_overrides(ledger, capsys):
    call_command(
        "tiers",
        "--lang",
        "en",
        "save",
        "absolute",
        "--set",
        'tiers.method="absolute"',
        "--set",
        "tiers.gold_threshold=500000",
        "--activate",
        "--as",
        "director",
    )
    assert portfolio.active_policy().tiers.gold_threshold == Decimal("500000")
    call_command(
        "tiers", "--lang", "en", "whatif", "--set", "tiers.gold_threshold=100", "--year", "2025"
    )
    out = capsys.readouterr().out
    assert "would change tier" in out
    code = ledger.south_account.code
    with pytest.raises(CommandError):  # a KAM may not steer tiers, from the shell either
        call_command(
            "tiers", "override", code, "strategic", "--reason", "x", "--as", "outsider_kam"
        )
    call_command(
        "tiers",
        "--lang",
        "en",
        "override",
        code,
        "strategic",
        "--reason",
        "new plant",
        "--as",
        "director",
    )
    assert AccountTier.objects.get(account=ledger.south_account).tier == "strategic"
    change = history_of(ledger.south_account, "tier").get()
    assert (change.reason, change.changed_by) == ("new plant", ledger.director)


def test_admin_pages_of_the_value_engine(ledger, boss_client):
    services.save_tier_config("默认", Policy(), activate=True)
    services.override_tier(ledger.east_account, "gold", reason="key reference", by=ledger.boss)
    for url in (
        "/admin/value/tierconfig/",
        "/admin/value/accounttier/",
        "/admin/value/accountpotential/",
        "/admin/value/accountpotential/add/",
        f"/admin/value/tierconfig/{TierConfig.objects.get().pk}/change/",
    ):
        assert boss_client.get(url).status_code == 200, url
    response = boss_client.post(
        "/admin/value/accountpotential/add/",
        {
            "account": ledger.east_account.pk,
            "wallet": "8000000",
            "share": "0.25",
            "influence": "4",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert history_of(ledger.east_account, "potential.wallet").get().changed_by == ledger.boss


def test_analysis_shows_a_tier_set_by_hand_and_apply_keeps_the_computed_one(ledger):
    services.apply_tiers(portfolio.run_analysis(Period.year(2025)))
    computed = AccountTier.objects.get(account=ledger.south_account).computed_tier
    services.override_tier(ledger.south_account, "diamond", reason="战略客户", by=ledger.director)
    analysis = portfolio.run_analysis(Period.year(2025))
    row = analysis.tiers.filter(pl.col("account_id") == ledger.south_account.pk).row(0, named=True)
    assert (str(row["tier"]), str(row["computed_tier"]), row["overridden"]) == (
        "diamond",
        computed,
        True,
    )
    services.apply_tiers(analysis)
    assert AccountTier.objects.get(account=ledger.south_account).computed_tier == computed
    assert portfolio.preview(analysis, Policy()).moves.height == 0


def test_cli_xlsx_holds_customer_names_that_look_like_formulas_as_text(cast, tmp_path):
    """ERP files carry any name; `kam analyze --format xlsx` must not turn one into a formula."""
    path = tmp_path / "formulas.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["客户编码", "客户名称", "单据编号", "日期", "金额", "成本"])
        for number, name in enumerate(FORMULA_NAMES):
            writer.writerow([f"F-{number}", name, f"SO-F{number}", "2025-05-01", 100 + number, 5])
    import_orders(path)
    out = tmp_path / "analysis.xlsx"
    call_command("analyze", "--year", "2025", "--format", "xlsx", "--output", str(out))
    import openpyxl

    book = openpyxl.load_workbook(out)
    names = {row[0].value: row[1] for row in book.worksheets[0].iter_rows(min_row=2)}
    for number, name in enumerate(FORMULA_NAMES):
        assert (names[f"F-{number}"].data_type, names[f"F-{number}"].value) == ("s", name)
    for sheet in book.worksheets:
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], sheet.title
