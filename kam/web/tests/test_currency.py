"""The company's currency, end to end: a company in dollars sees dollars everywhere (never
¥ or 万), and a file declared in another currency than the company's is refused."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kam.accounts.models import Account
from kam.sales.models import ImportJob, OrderLine

pytestmark = pytest.mark.django_db
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SUPERSTORE = SHARED / "superstore_sales.csv"
MESSAGE = "This file is in GBP but the company keeps its figures in CNY; kam converts nothing."
GOOD = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本\nC001,甲,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00\n"


def superstore(*extra: str) -> None:
    call_command(
        "import",
        "orders",
        str(SUPERSTORE),
        "--source",
        "superstore",
        "--date-order",
        "MDY",
        "--skip-unidentified",
        "--as",
        "boss",
        *extra,
    )


def money_formats(path: Path) -> set[str]:
    """The number formats of the workbook's money cells (those that carry a symbol or 0.00)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    return {
        cell.number_format
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if "0.00" in cell.number_format and "%" not in cell.number_format
    }


def test_a_company_in_dollars_sees_dollars_everywhere(cast, boss_client, settings, tmp_path):
    settings.KAM_CURRENCY = "USD"
    superstore("--currency", "USD")
    account = Account.objects.get(code="SM-20320")  # Sean Miller, the file's biggest buyer
    for language in ("zh-hans", "en"):
        headers = {"Accept-Language": language}
        pages = {
            "dashboard": boss_client.get("/dashboard/", {"year": 2017}, headers=headers),
            "accounts": boss_client.get("/customers/", {"year": 2017}, headers=headers),
            "account": boss_client.get(
                reverse("accounts:detail", args=[account.pk]), headers=headers
            ),
            "chart": boss_client.get(reverse("accounts:chart", args=[account.pk]), headers=headers),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            text = response.content.decode()
            assert "$" in text or name == "chart", (language, name)  # the chart: raw numbers
            assert "¥" not in text, (language, name)
            assert not re.search(r"\d万|\d亿|万元|亿元", text), (language, name)
    export = tmp_path / "accounts.xlsx"
    export.write_bytes(boss_client.get(reverse("accounts:export"), {"year": 2017}).content)
    formats = money_formats(export)
    assert formats and all('"$"' in f for f in formats), formats
    analysis = tmp_path / "analysis.xlsx"
    call_command("analyze", "--year", "2017", "--format", "xlsx", "--output", str(analysis))
    formats = money_formats(analysis)
    assert formats and all('"$"' in f for f in formats), formats


def test_a_company_in_yuan_keeps_yuan_in_its_workbooks(cast, tmp_path, capsys):
    """The default: ¥ in Excel too, and 万 on Chinese pages stays (see test_formatting)."""
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import", "orders", str(path), "--as", "boss")
    out = tmp_path / "analysis.xlsx"
    call_command("analyze", "--year", "2024", "--format", "xlsx", "--output", str(out))
    formats = money_formats(out)
    assert formats and all('"¥"' in f for f in formats), formats


def test_cli_refuses_a_file_in_another_currency(cast, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command(
            "import", "orders", str(path), "--currency", "gbp", "--as", "boss", "--lang", "en"
        )
    assert MESSAGE in str(refused.value)
    assert "KAM_CURRENCY" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        call_command("import", "orders", str(path), "--currency", "GBP", "--as", "boss")
    assert "此文件的金额是 GBP" in str(refused.value)  # the user's language
    assert not OrderLine.objects.exists() and not Account.objects.filter(code="C001").exists()
    call_command("import", "orders", str(path), "--currency", "CNY", "--as", "boss")
    assert OrderLine.objects.count() == 1


def test_import_page_refuses_a_file_in_another_currency(boss_client, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.KAM_IMPORT_INLINE = True
    file = SimpleUploadedFile("orders.csv", GOOD.encode(), content_type="text/csv")
    boss_client.post(reverse("sales:import"), {"file": file})
    job = ImportJob.objects.latest("created_at")
    url = reverse("sales:import-job", args=[job.pk])
    english = {"Accept-Language": "en"}
    html = boss_client.get(url, headers=english).content.decode()
    assert '<option value="CNY" selected>CNY</option>' in html  # the company's by default
    data = {"source": "erp", "currency": "GBP"}
    columns = re.findall(r'name="(column_\d+)"', html)
    for name in columns:
        chosen = re.search(
            rf'name="{name}".*?<option value="([^"]*)"[^>]*selected', html, re.S
        ).group(1)
        data[name] = chosen
    assert boss_client.post(url, data).status_code == 302
    html = boss_client.get(url, headers=english).content.decode()
    assert MESSAGE in html
    assert 'id="check-ok"' not in html
    boss_client.post(reverse("sales:import-run", args=[job.pk]))
    job.refresh_from_db()
    assert job.state != "done"
    assert not OrderLine.objects.exists() and not Account.objects.filter(code="C001").exists()
