"""The import result says how much of the file's revenue has no cost or payment data,
on the page and on the command line, instead of letting it pass for zero cost."""

import pytest
from django.core.management import call_command

from kam.sales.services import import_orders
from kam.sales.tests.test_import_page import HEADER, csv_file, run, upload

pytestmark = pytest.mark.django_db
ROWS = [
    "C001,华东钢铁集团,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00",
    "C002,南方制药,SO-2,1,2024-04-01,密封件,5,20,250.00,",  # no cost on this line
]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.KAM_IMPORT_INLINE = True


def test_the_result_counts_revenue_without_cost_and_payment_data(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    result = import_orders(path)
    assert str(result.revenue) == "1250.00"
    assert str(result.uncosted_revenue) == "250.00"
    assert str(result.unpaid_data_revenue) == "1250.00"  # the file has no payment columns


def test_the_command_line_says_it(tmp_path, capsys, cast):
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    call_command("import", "orders", str(path), "--lang", "en", "--as", "boss")
    out = capsys.readouterr().out
    assert "Revenue without cost: ¥250.00 of ¥1,250.00 (20.0%); its gross profit is unknown." in out
    assert "Revenue without payment data: ¥1,250.00 of ¥1,250.00 (100.0%)" in out


def test_the_page_says_it(boss_client):
    job = upload(boss_client, csv_file(ROWS))
    fragment = run(boss_client, job)
    assert 'id="import-uncosted"' in fragment and "¥250.00" in fragment
    assert 'id="import-unpaid-data"' in fragment
