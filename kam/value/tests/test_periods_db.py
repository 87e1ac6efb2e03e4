"""Comparable periods on a real database: imported the real way, seen through the pages
and `kam analyze` as a director and a KAM meet them."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from kam.sales.services import import_orders
from kam.value import periods
from kam.value.analytics.periods import Period
from kam.value.forms import period_form

pytestmark = pytest.mark.django_db

HEADER = "客户编码,客户名称,单据编号,日期,金额,成本"


def write(path, rows) -> None:
    lines = [HEADER]
    for n, (code, name, day, amount) in enumerate(rows):
        lines.append(f"{code},{name},SO-{n},{day},{amount},{amount * 6 // 10}")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def retail(cast, tmp_path, monkeypatch):
    """Sales that start in December 2010, as in the Online Retail export: the east
    account buys in December 2010 and every month of 2011; the south account (another
    KAM's) only in 2011. Today is fixed in 2012, after the data."""
    monkeypatch.setattr(periods, "today", lambda: date(2012, 3, 15))
    east, south = cast.east_account, cast.south_account
    rows = [(east.code, east.name, date(2010, 12, 5), 1000)]
    for month in range(1, 13):
        rows.append((east.code, east.name, date(2011, month, 5), 1200))
        rows.append((south.code, south.name, date(2011, month, 7), 500))
    write(tmp_path / "retail.csv", rows)
    import_orders(tmp_path / "retail.csv")
    return cast


def test_kam_analyze_gives_no_growth_against_a_one_month_year(retail, tmp_path):
    out = tmp_path / "2011.json"
    call_command("analyze", "--year", "2011", "--format", "json", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["period"]["growth_unknown_reason"] == "previous_not_covered"
    assert data["period"]["previous"] == {"from": "2010-01-01", "to": "2010-12-31"}
    assert {a["code"]: a["growth"] for a in data["accounts"]} == {"C-E001": None, "C-S001": None}
    assert all(a["revenue_prev"] is None for a in data["accounts"])


def growth_cells(path) -> list:
    """The Excel file's growth column, below its header."""
    import openpyxl

    sheet = openpyxl.load_workbook(path)["Accounts"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Growth on the previous period")
    return [row[column] for row in rows[1:]]


def test_the_excel_file_leaves_unknown_growth_empty(retail, tmp_path):
    out = tmp_path / "2011.xlsx"
    call_command(
        "analyze", "--year", "2011", "--format", "xlsx", "--output", str(out), "--lang", "en"
    )
    assert growth_cells(out) == [None, None]  # empty cells, not 0% and not +1340%
    call_command(
        "analyze", "--quarter", "2011-Q3", "--format", "xlsx", "--output", str(out), "--lang", "en"
    )
    assert growth_cells(out) == [0, 0]


def test_kam_analyze_takes_every_kind_of_period(retail, tmp_path, capsys):
    def analysed(*args) -> dict:
        out = tmp_path / "out.json"
        call_command("analyze", *args, "--format", "json", "--output", str(out))
        return json.loads(out.read_text(encoding="utf-8"))["period"]

    january = analysed("--month", "2011-01")
    assert (january["from"], january["kind"]) == ("2011-01-01", "month")
    assert january["growth_unknown_reason"] is None  # December 2010 is a whole month of data
    ytd = analysed("--ytd", "2011-06")
    assert (ytd["from"], ytd["to"], ytd["kind"]) == ("2011-01-01", "2011-06-30", "ytd")
    assert ytd["previous"] == {"from": "2010-01-01", "to": "2010-06-30"}
    rolling = analysed("--rolling")  # up to the last month with data: December 2011
    assert (rolling["from"], rolling["to"]) == ("2011-01-01", "2011-12-31")
    span = analysed("--from", "2011-03", "--to", "2011-05")
    assert span["previous"] == {"from": "2010-12-01", "to": "2011-02-28"}
    assert span["growth_unknown_reason"] is None
    # no period named: the last full year, since the data does not reach into 2012
    assert analysed()["from"] == "2011-01-01"
    call_command("analyze", "--from", "2011-03", "--to", "2011-05", "--lang", "en")
    assert "Growth on 2010-12 – 2011-02: +" in capsys.readouterr().out


def test_the_dashboard_says_why_growth_is_unknown(retail, client):
    client.force_login(retail.boss)
    response = client.get("/dashboard/", {"period": "2011"})
    assert response.context["headline"].growth is None
    card = response.content.decode().split('id="revenue-growth"')[1].split("</a>")[0]
    assert "—" in card and "%" not in card  # no +1340%, and the reason beside it
    assert "2010-12" in response.context["growth_unknown"]
    assert response.context["growth_unknown"] in card
    assert response.context["moves"] is None  # no tier movements against a one-month year
    # a quarter the data covers compares, with its sign
    response = client.get("/dashboard/", {"period": "2011-Q3"})
    assert response.context["headline"].growth == 0.0
    assert response.context["growth_unknown"] is None


def test_the_account_page_says_why_growth_is_unknown(retail, client):
    client.force_login(retail.owner_kam)
    url = reverse("accounts:detail", args=[retail.east_account.pk])
    response = client.get(url, {"period": "2011"})
    growth = next(m for m in response.context["value"]["metrics"] if m["key"] == "growth")
    assert growth["value"] is None and "2010-12" in growth["reason"]
    # January 2011 against December 2010: +20%, with its sign
    response = client.get(url, {"period": "2011-01"})
    growth = next(m for m in response.context["value"]["metrics"] if m["key"] == "growth")
    assert growth["value"] == pytest.approx(0.2)
    assert "+20.0%" in response.content.decode()


def test_a_new_account_is_new_not_unknown_data(retail, client):
    """The south account bought nothing in December 2010, which the data covers."""
    client.force_login(retail.outsider_kam)
    url = reverse("accounts:detail", args=[retail.south_account.pk])
    response = client.get(url, {"period": "2011-01"})
    growth = next(m for m in response.context["value"]["metrics"] if m["key"] == "growth")
    assert growth["value"] is None
    assert growth["reason"] == periods.new_account_reason()


def test_the_picker_lists_only_periods_with_data_the_user_may_see(retail, rf):
    boss = period_form({}, retail.boss)
    offered = [value for _group, options in boss.fields["period"].choices[:-1] for value in options]
    tokens = [token for token, _label in offered]
    assert [t for t in tokens if len(t) == 4] == ["2011", "2010"]
    assert "2010-12" in tokens and "2010-Q4" in tokens
    # the south account's KAM: 2011 only, December 2010 was the east account's
    kam = period_form({}, retail.outsider_kam)
    offered = [value for _group, options in kam.fields["period"].choices[:-1] for value in options]
    tokens = [token for token, _label in offered]
    assert [t for t in tokens if len(t) == 4] == ["2011"]
    assert "2010-12" not in tokens and "2009" not in tokens
    # a period with nothing the user may see falls back to the default, the last full year
    assert period_form({"period": "2010"}, retail.outsider_kam).period() == Period.year(2011)
    # a shared from–to link shows what it says, and is offered as chosen
    shared = period_form({"from": "2011-02", "to": "2011-04"}, retail.outsider_kam)
    assert shared.period() == Period.between(date(2011, 2, 1), date(2011, 4, 1))
    assert shared.query == "from=2011-02&to=2011-04"


def test_the_accounts_list_keeps_the_period_in_its_links(retail, client):
    client.force_login(retail.boss)
    response = client.get("/customers/", {"period": "ytd-2011-06"})
    assert response.context["period"] == Period(date(2011, 1, 1), date(2011, 6, 30))
    assert response.context["year_query"] == "period=ytd-2011-06"
    export = client.get("/customers/export.xlsx", {"period": "ytd-2011-06"})
    assert "accounts-ytd-2011-06.xlsx" in export["Content-Disposition"]
