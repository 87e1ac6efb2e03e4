"""Unknown is not zero, end to end: the Online Retail export (no cost, no payment columns)
imported through the CLI, then analysed, exported and shown."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from kam.value import portfolio
from kam.value.analytics.periods import Period
from kam.value.analytics.policy import Policy, ValuePolicy

pytestmark = pytest.mark.django_db
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
ONLINE_RETAIL = SHARED / "online_retail_sample.xlsx"
COST_FIGURES = ("cost", "gross_profit", "gross_margin", "net_contribution")
PAYMENT_FIGURES = ("cash_collected", "receivables", "financing_cost")


@pytest.fixture
def online_retail(cast, capsys):
    call_command(
        "import",
        "orders",
        str(ONLINE_RETAIL),
        "--source",
        "online-retail",
        "--skip-unidentified",
        "--lang",
        "en",
        "--as",
        "boss",
    )
    return capsys.readouterr().out


def test_import_says_how_much_revenue_has_no_cost(online_retail):
    assert "Revenue without cost:" in online_retail
    assert "(100.0%); its gross profit is unknown." in online_retail
    assert "Revenue without payment data:" in online_retail


def test_analysis_of_2011_gives_null_for_what_the_file_lacks(online_retail, tmp_path):
    out = tmp_path / "analysis.json"
    call_command("analyze", "--year", "2011", "--format", "json", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    accounts = data["accounts"]
    assert len(accounts) > 1000
    # an account with no 2011 revenue (it bought in December 2010) sold nothing that cost
    # anything: its zero is known
    sold = [account for account in accounts if account["revenue"] != "0.00"]
    assert len(sold) > 1000
    for account in sold:
        for key in (*COST_FIGURES, *PAYMENT_FIGURES):
            assert account[key] is None, (account["code"], key)
        assert account["uncosted_revenue"] == account["revenue"]
        assert set(account["score_metrics"]) <= {"revenue", "orders"}
    biggest = accounts[0]
    assert biggest["score_metrics"] == ["revenue", "orders"]
    assert data["unknown"]["uncosted_revenue"] == data["unknown"]["revenue"]
    assert data["pareto"]["top20_profit_share"] is None


def test_tiers_are_those_of_the_known_metrics(online_retail, tmp_path):
    """No tier is decided by a cost of zero: the tiers equal those of a policy that weighs
    only what the file has (revenue, orders)."""
    out = tmp_path / "analysis.json"
    call_command("analyze", "--year", "2011", "--format", "json", "--output", str(out))
    tiers = {a["code"]: a["tier"] for a in json.loads(out.read_text())["accounts"]}
    known = Policy(value=ValuePolicy(weights={"revenue": 0.3, "orders": 0.1}))
    analysis = portfolio.compute(Period.year(2011), known).analysis
    codes = dict(analysis.accounts.select("account_id", "code").iter_rows())
    expected = {
        codes[a]: str(t) for a, t in analysis.tiers.select("account_id", "tier").iter_rows()
    }
    assert tiers == {code: expected[code] for code in tiers}
    assert "diamond" in tiers.values()


def test_excel_leaves_unknown_cells_empty(online_retail, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "analysis.xlsx"
    call_command(
        "analyze", "--year", "2011", "--format", "xlsx", "--output", str(out), "--lang", "en"
    )
    sheet = openpyxl.load_workbook(out)["Accounts"]
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert first["Revenue"] > 0
    for label in ("Cost of goods", "Gross profit", "Gross margin", "Net contribution"):
        assert first[label] is None, label
    assert first["Receivables at period end"] is None


def test_pages_show_unknown_with_the_reason(online_retail, boss_client):
    reason = "Unknown: the imported data has no cost for this revenue (or part of it)."
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    dashboard = boss_client.get("/dashboard/", {"year": 2011}, **english).content.decode()
    assert f'title="{reason}"' in dashboard  # the gross profit card
    assert "(100.0%) have no cost in the imported data" in dashboard
    assert "left out where unknown: Gross profit" in dashboard
    listing = boss_client.get("/customers/", {"year": 2011}, **english).content.decode()
    assert f'title="{reason}"' in listing
    assert '<td class="num">100.0%</td>' not in listing  # no margin read from zero cost
