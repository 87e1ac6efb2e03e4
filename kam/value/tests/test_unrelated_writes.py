"""A write the analysis does not read keeps the company analysis (#9): a stage move, a
rename or a contact edit costs the next dashboard no new analysis, while an owner change
or a soft delete gives every page fresh figures."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.accounts import services as account_services
from kam.accounts.choices import AccountStatus, RelationshipStage, SalesStage
from kam.core import versions
from kam.people import services as people_services
from kam.people.models import Contact
from kam.sales.services import import_orders
from kam.value import portfolio
from kam.value.analytics.periods import Period

pytestmark = pytest.mark.django_db

YEAR = Period.year(2025)
LINES = """客户编码,客户名称,单据编号,行号,日期,金额,成本
C-E001,上海申华机械有限公司,SO-1,1,2025-03-01,1000.00,600.00
C-E002,杭州西湖食品厂,SO-2,1,2025-04-01,400.00,100.00
C-S001,广州珠江医院,SO-3,1,2025-04-01,5000.00,1000.00
"""


@pytest.fixture
def sales(cast, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(LINES, encoding="utf-8")
    import_orders(path, source="test")
    return cast


@pytest.fixture
def warm(sales, client):
    """The boss's dashboard, visited twice: the second visit's queries are its warm cost."""
    client.force_login(sales.boss)
    cold = _queries(client, "/dashboard/")
    warm = _queries(client, "/dashboard/")
    assert warm < cold
    return warm


def _queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def _computed():
    """The company analysis' metrics frame: the same object while nothing was recomputed."""
    return portfolio.company(YEAR).analysis.metrics


def listed(client, **params) -> list[str]:
    response = client.get("/customers/", {"year": 2025, **params})
    assert response.status_code == 200
    return [row["code"] for row in response.context["rows"]]


def test_a_stage_move_keeps_the_analysis_and_the_list_shows_the_move(sales, client, warm):
    computed, stamp = _computed(), versions.stamps()[versions.VALUE]
    assert listed(client, stage=SalesStage.TRIAL) == []

    account_services.change_sales_stage(
        sales.east_account, SalesStage.TRIAL, by=sales.owner_kam, reason="试单已开始"
    )
    account_services.change_relationship_stage(
        sales.east_account, RelationshipStage.BASIC, by=sales.owner_kam, reason="已建立联系"
    )

    assert versions.stamps()[versions.VALUE] == stamp
    # Rereading the accounts' labels is the only extra query (not logged on PostgreSQL,
    # which reads through COPY); the visit after that is back at the warm count.
    assert _queries(client, "/dashboard/") in (warm, warm + 1)
    assert _queries(client, "/dashboard/") == warm
    assert _computed() is computed
    assert listed(client, stage=SalesStage.TRIAL) == ["C-E001"]
    assert listed(client, rstage=RelationshipStage.BASIC) == ["C-E001"]


def test_a_rename_keeps_the_analysis_and_every_page_shows_the_new_name(sales, client, warm):
    computed = _computed()

    account_services.update_account(sales.east_account, name="上海申华重工", by=sales.boss)

    assert _queries(client, "/dashboard/") in (warm, warm + 1)
    assert _computed() is computed
    assert listed(client, q="申华重工") == ["C-E001"]
    names = portfolio.company(YEAR).analysis.accounts.filter(code="C-E001")["name"]
    assert names.to_list() == ["上海申华重工"]


def test_a_contact_edit_keeps_the_analysis(sales, client, warm):
    computed, stamps = _computed(), versions.stamps()
    contact = Contact.objects.create(account=sales.east_account, name="王经理", title="采购")

    people_services.delete_contact(contact, by=sales.owner_kam, reason="离职")
    people_services.restore_contact(contact, by=sales.owner_kam)

    assert versions.stamps() == stamps
    assert _queries(client, "/dashboard/") == warm
    assert _computed() is computed


def test_master_data_the_analysis_does_not_read_changes_no_stamp(sales, client, warm):
    stamps = versions.stamps()

    account_services.update_account(sales.east_account, industry="机械", by=sales.boss)
    account_services.change_status(sales.east_account, AccountStatus.DORMANT, by=sales.boss)

    assert versions.stamps() == stamps
    assert _queries(client, "/dashboard/") == warm


def test_an_owner_change_refreshes_the_analysis_and_the_new_owners_view(sales, client, warm):
    computed, stamp = _computed(), versions.stamps()[versions.VALUE]
    client.force_login(sales.outsider_kam)
    assert "C-E001" not in listed(client)

    account_services.change_owner(sales.east_account, sales.outsider_kam, by=sales.boss)

    assert versions.stamps()[versions.VALUE] != stamp
    assert _computed() is not computed
    assert "C-E001" in listed(client)
    mine = portfolio.analysis_for(sales.outsider_kam, YEAR)
    assert mine.metrics["revenue"].sum() == Decimal("6000.00")


def test_a_region_change_made_on_the_full_form_refreshes_the_analysis(sales, warm):
    computed = _computed()

    account_services.update_account(sales.east_other, region=sales.south, by=sales.boss)

    assert _computed() is not computed
    region = portfolio.company(YEAR).analysis.accounts.filter(code="C-E002")["region_id"]
    assert region.to_list() == [sales.south.pk]


def test_a_soft_delete_refreshes_the_analysis_and_the_list(sales, client, warm):
    computed = _computed()
    assert "C-E002" in listed(client)

    account_services.delete_account(sales.east_other, by=sales.boss, reason="重复")

    assert _computed() is not computed
    assert "C-E002" not in listed(client)
    assert "C-E002" not in portfolio.company(YEAR).analysis.accounts["code"].to_list()
