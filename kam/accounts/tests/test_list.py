"""The accounts list and its export as users meet them: the cast, a few imported sales."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings

from kam.accounts import listing
from kam.accounts import services as account_services
from kam.accounts.models import Account
from kam.core.tests.test_spreadsheets import FORMULA_NAMES
from kam.sales.services import import_orders

pytestmark = pytest.mark.django_db

LINES = """客户编码,客户名称,单据编号,行号,日期,金额,成本
C-E001,上海申华机械有限公司,SO-1,1,2025-03-01,1000.50,600.00
C-E001,上海申华机械有限公司,SO-2,1,2025-06-01,2000.00,1500.00
C-E001,上海申华机械有限公司,SO-0,1,2024-06-01,1500.00,900.00
C-S001,广州珠江医院,SO-3,1,2025-04-01,5000.00,1000.00
C-S002,深圳南山银行,SO-4,1,2024-05-01,800.00,200.00
C-E003,上海申华机械（苏州）有限公司,SO-5,1,2025-02-01,300.00,250.00
"""


@pytest.fixture
def sales(cast, tmp_path):
    subsidiary = account_services.create_account(
        name="上海申华机械（苏州）有限公司",
        code="C-E003",
        region=cast.east,
        owner=cast.owner_kam,
        parent=cast.east_account,
        by=cast.boss,
    )
    path = tmp_path / "orders.csv"
    path.write_text(LINES, encoding="utf-8")
    import_orders(path, source="test")
    cast.subsidiary = subsidiary
    return cast


def listed(client, **params) -> list[str]:
    response = client.get("/customers/", {"year": 2025, **params})
    assert response.status_code == 200
    return [row["code"] for row in response.context["rows"]]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_boss_sees_every_live_account_largest_revenue_first(boss_client, sales):
    # C-E002 never bought: it is listed with zero figures; the deleted account is not.
    assert listed(boss_client) == ["C-S001", "C-E001", "C-E003", "C-E002", "C-S002"]
    rows = {r["code"]: r for r in boss_client.get("/customers/?year=2025").context["rows"]}
    assert rows["C-E001"]["revenue"] == Decimal("3000.50")
    assert rows["C-E001"]["gross_profit"] == Decimal("900.50")
    # the data starts in 2024-05: 2024 is partly covered, so 2025 has no growth figure
    assert rows["C-E001"]["growth"] is None and rows["C-S002"]["growth"] is None
    assert rows["C-E002"]["revenue"] == 0 and rows["C-E002"]["orders"] == 0
    # 2024-12 … 2025-06 against 2024-05 … 2024-11, which the data covers
    response = boss_client.get("/customers/", {"from": "2024-12", "to": "2025-06"})
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows["C-E001"]["growth"] == pytest.approx(3000.50 / 1500 - 1)
    assert rows["C-S002"]["growth"] == pytest.approx(-1.0)
    assert rows["C-S001"]["growth"] is None  # a new account: nothing to grow from
    assert "+100.0%" in response.content.decode()
    assert rows["C-E003"]["group"] == "上海申华机械有限公司"
    assert rows["C-E001"]["region"] == "华东" and rows["C-E001"]["owner"] == "owner_kam"


def test_the_year_changes_the_figures(boss_client, sales):
    assert listed(boss_client, year=2024)[:2] == ["C-E001", "C-S002"]


def test_a_quarter_from_the_dashboard_shows_that_quarters_figures(boss_client, sales):
    response = boss_client.get("/customers/", {"year": 2025, "quarter": 1})
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows["C-E003"]["revenue"] == Decimal("300.00")  # ordered 2025-02-01
    assert rows["C-E001"]["revenue"] == Decimal("1000.50")  # March only, not June
    assert "period=2025-Q1" in response.context["query"]  # paging and sorting keep it
    export = boss_client.get("/customers/export.xlsx", {"year": 2025, "quarter": 1})
    assert "accounts-2025-Q1.xlsx" in export["Content-Disposition"]


def test_filters_search_and_sort_through_the_page(boss_client, sales):
    east = str(sales.east.pk)
    assert listed(boss_client, region=east) == ["C-E001", "C-E003", "C-E002"]
    assert listed(boss_client, region=east, sort="name") == ["C-E001", "C-E003", "C-E002"]
    assert listed(boss_client, owner=sales.outsider_kam.pk) == ["C-S001", "C-S002"]
    assert listed(boss_client, q="申华") == ["C-E001", "C-E003"]
    assert listed(boss_client, q="c-s00") == ["C-S001", "C-S002"]
    assert listed(boss_client, group=sales.east_account.pk) == ["C-E001", "C-E003"]
    assert listed(boss_client, sort="gross_margin") == [
        "C-E003",
        "C-E001",
        "C-S001",
        "C-E002",
        "C-S002",
    ]
    assert listed(boss_client, sort="-orders", region=east)[0] == "C-E001"
    account_services.change_sales_stage(sales.south_account, "trial", by=sales.boss, reason="试单")
    assert listed(boss_client, stage="trial") == ["C-S001"]
    assert listed(boss_client, rstage="alliance") == []


def test_the_group_filter_names_the_group(boss_client, sales):
    response = boss_client.get("/customers/", {"group": sales.east_account.pk})
    assert "上海申华机械有限公司" in response.context["group_name"]


def test_paging_fifty_a_page_with_the_total(boss_client, sales):
    for number in range(60):
        account_services.create_account(
            name=f"测试客户{number:02d}", code=f"T-{number:02d}", region=sales.east, by=sales.boss
        )
    first = boss_client.get("/customers/?year=2025&q=测试客户&sort=code")
    page = first.context["page"]
    assert (page.total, page.pages, len(first.context["rows"])) == (60, 2, 50)
    second = boss_client.get("/customers/?year=2025&q=测试客户&sort=code&page=2")
    codes = [r["code"] for r in second.context["rows"]]
    assert codes == [f"T-{n:02d}" for n in range(50, 60)]
    assert "60" in first.content.decode()  # "export all 60" and "1–50 of 60"


def test_the_export_holds_every_selected_row_with_the_pages_values(boss_client, sales):
    params = {"year": 2025, "region": sales.east.pk, "sort": "-gross_profit"}
    page = boss_client.get("/customers/", params)
    heads, rows = workbook(boss_client.get("/customers/export.xlsx", params))
    assert len(rows) == page.context["page"].total == 3
    assert [r[0] for r in rows] == [r["code"] for r in page.context["rows"]]
    columns = {head: i for i, head in enumerate(heads)}
    for sheet_row, page_row in zip(rows, page.context["rows"], strict=True):
        assert sheet_row[columns["销售额"]] == float(page_row["revenue"])
        assert sheet_row[columns["毛利"]] == float(page_row["gross_profit"])
        assert sheet_row[columns["订单数"]] == page_row["orders"]
    # money is a number, kept to the cent
    e001 = rows[[r[0] for r in rows].index("C-E001")]
    assert e001[columns["销售额"]] == 3000.50


def test_the_export_is_not_limited_to_the_shown_page(boss_client, sales):
    for number in range(55):
        account_services.create_account(name=f"批量客户{number}", code=f"B-{number}", by=sales.boss)
    _heads, rows = workbook(boss_client.get("/customers/export.xlsx?q=批量客户&page=1"))
    assert len(rows) == 55


def test_export_headers_follow_the_users_language(boss_client, sales):
    zh, _rows = workbook(boss_client.get("/customers/export.xlsx"))
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en, _rows = workbook(boss_client.get("/customers/export.xlsx"))
    assert en[:3] == ("Code", "Name", "Tier")
    assert "Revenue" in en and "Net contribution" in en
    assert zh[:3] != en[:3] and "销售额" in zh
    assert len(zh) == len(en)


def test_the_page_in_english(boss_client, sales):
    boss_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = boss_client.get("/customers/?year=2025").content.decode()
    assert "Export all 5 matching accounts" in html
    assert "Relationship stage" in html


def test_an_outsider_kam_sees_only_their_accounts(client, sales):
    client.force_login(sales.outsider_kam)
    assert listed(client) == ["C-S001", "C-S002"]
    _heads, rows = workbook(client.get("/customers/export.xlsx"))
    assert sorted(r[0] for r in rows) == ["C-S001", "C-S002"]
    # the dropdowns name only what is theirs
    page = client.get("/customers/")
    assert [name for _pk, name in page.context["regions"]] == ["华南"]
    assert [pk for pk, _name in page.context["owners"]] == [sales.outsider_kam.pk]


@pytest.mark.parametrize(
    "params",
    [
        lambda c: {"region": c.east.pk},
        lambda c: {"owner": c.owner_kam.pk},
        lambda c: {"group": c.east_account.pk},
        lambda c: {"q": "上海"},
        lambda c: {"q": "C-E"},
        lambda c: {"group": c.deleted_account.pk},
    ],
)
def test_another_teams_filters_give_an_empty_list_and_leak_nothing(client, sales, params):
    client.force_login(sales.outsider_kam)
    given = params(sales)
    response = client.get("/customers/", given)
    assert response.context["rows"] == [] and response.context["page"].total == 0
    assert response.context["group_name"] is None
    html = response.content.decode()
    assert "上海申华" not in html and "C-E001" not in html and "杭州西湖" not in html
    _heads, rows = workbook(client.get("/customers/export.xlsx", given))
    assert rows == []


def test_a_team_member_sees_the_teams_account(client, sales):
    client.force_login(sales.team_specialist)
    assert listed(client) == ["C-E001"]


def test_a_regional_manager_sees_the_region_and_the_account_he_sponsors(client, sales):
    client.force_login(sales.east_manager)
    assert sorted(listed(client)) == ["C-E001", "C-E002", "C-E003", "C-S002"]


def test_finance_on_no_team_sees_an_empty_list(client, sales):
    client.force_login(sales.finance_user)
    response = client.get("/customers/")
    assert response.status_code == 200 and response.context["rows"] == []


def test_the_list_needs_a_login(client, sales):
    assert client.get("/customers/").status_code == 302
    assert client.get("/customers/export.xlsx").status_code == 302


def test_htmx_gets_the_list_part_only(boss_client, sales):
    response = boss_client.get(
        "/customers/?tier=diamond", headers={"HX-Request": "true", "HX-Target": "account-page"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "account-filters" in html


def test_a_customer_name_that_is_a_formula_is_exported_as_text(boss_client, sales, tmp_path):
    """Names come from ERP files and forms; in the workbook they must not run as formulas."""
    path = tmp_path / "formulas.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["客户编码", "客户名称", "单据编号", "行号", "日期", "金额", "成本"])
        for number, name in enumerate(FORMULA_NAMES):
            writer.writerow([f"F-{number}", name, f"SO-F{number}", 1, "2025-05-01", 10, 5])
    import_orders(path, source="test")
    group = Account.objects.get(code="F-0")
    account_services.create_account(name="子公司", code="F-SUB", parent=group, by=sales.boss)
    response = boss_client.get("/customers/export.xlsx", {"year": 2025})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    keys = [column.key for column in listing.COLUMNS]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for number, name in enumerate(FORMULA_NAMES):
        cell = rows[f"F-{number}"][keys.index("name")]
        assert (cell.data_type, cell.value) == ("s", name)
    group_cell = rows["F-SUB"][keys.index("group")]
    assert (group_cell.data_type, group_cell.value) == ("s", FORMULA_NAMES[0])
