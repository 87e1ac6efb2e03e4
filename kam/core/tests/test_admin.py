"""The admin (data maintenance): pages render, soft deletion only, rows follow visible_to."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from kam.accounts.choices import AccountStatus, TeamRole
from kam.accounts.models import Account, AccountTeamMember
from kam.core.history import history_of
from kam.core.models import FieldChange
from kam.people.models import Contact
from kam.sales.choices import CostCategory
from kam.sales.models import AccountMonth, CostToServe, ImportBatch, OrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(cast):
    """One row of every model, so every change page has something to show."""
    now = timezone.now()
    batch = ImportBatch.objects.create(source="erp", file_name="orders-2025.xlsx", lines_added=1)
    line = OrderLine.objects.create(
        source="erp",
        order_no="SO-2025-0001",
        line_no=1,
        account=cast.east_account,
        order_date=datetime.date(2025, 3, 14),
        month=datetime.date(2025, 3, 1),
        product_name="液压泵",
        quantity=Decimal(2),
        amount=Decimal("12800.00"),
        batch=batch,
        created_at=now,
        updated_at=now,
    )
    month = AccountMonth.objects.create(
        account=cast.east_account,
        month=datetime.date(2025, 3, 1),
        revenue=Decimal("12800.00"),
        lines=1,
        orders=1,
    )
    cost = CostToServe.objects.create(
        account=cast.east_account,
        date=datetime.date(2025, 3, 20),
        category=CostCategory.VISITS,
        amount=Decimal("860.00"),
        note="上海拜访",
    )
    contact = Contact.objects.create(account=cast.east_account, name="王总", title="总经理")
    member = AccountTeamMember.objects.get(account=cast.east_account, user=cast.team_specialist)
    return {
        "batch": batch,
        "line": line,
        "month": month,
        "cost": cost,
        "contact": contact,
        "member": member,
        "change": history_of(cast.deleted_account).first(),
    }


def admin_url(obj_or_model, view: str = "changelist", *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_admin_index_lists_the_kam_apps(boss_client):
    response = boss_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for model in (Account, Contact, OrderLine, FieldChange):
        assert admin_url(model) in response.content.decode()


def test_every_changelist_renders(boss_client, data):
    for model in admin.site._registry:
        if model._meta.app_label.startswith(("auth",)):
            continue
        response = boss_client.get(admin_url(model))
        assert response.status_code == 200, model


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Account, "?q=上海", "上海申华机械有限公司"),
        (Account, "?deleted=all&region__id__exact={east}", "苏州旧客户有限公司"),
        (Contact, "?q=王", "王总"),
        (OrderLine, "?q=SO-2025-0001", "液压泵"),
        (OrderLine, "?q=上海申华", "液压泵"),
        (OrderLine, "?month=2025-03-01&source=erp", "液压泵"),
        (AccountMonth, "?month=2025-03-01", "上海申华机械有限公司"),
        (CostToServe, "?q=拜访&category=visits", "上海拜访"),
        (ImportBatch, "?q=orders-2025", "orders-2025.xlsx"),
        (FieldChange, "?field=deleted", "duplicate"),
    ],
)
def test_filters_and_search_find_the_row(boss_client, cast, data, model, query, expected):
    response = boss_client.get(admin_url(model) + query.format(east=cast.east.pk))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_month_filter_lists_months_and_excludes_others(boss_client, data):
    html = boss_client.get(admin_url(OrderLine)).content.decode()
    assert "2025-03" in html
    assert (
        "液压泵" not in boss_client.get(admin_url(OrderLine) + "?month=2025-04-01").content.decode()
    )


def test_every_change_page_renders(boss_client, cast, data):
    objects = [
        cast.east_account,
        cast.deleted_account,  # the portfolio can open deleted accounts to restore them
        cast.east,
        cast.owner_kam,
        *data.values(),
    ]
    for obj in objects:
        response = boss_client.get(admin_url(obj, "change", obj.pk))
        assert response.status_code == 200, obj


@pytest.mark.parametrize("model", [Account, Contact, CostToServe, AccountTeamMember])
def test_add_pages_render(boss_client, cast, model):
    assert boss_client.get(admin_url(model, "add")).status_code == 200


def test_account_change_page_shows_its_history(boss_client, cast):
    response = boss_client.get(admin_url(cast.deleted_account, "change", cast.deleted_account.pk))
    html = response.content.decode()
    assert "duplicate" in html  # the reason recorded by the soft delete
    assert str(cast.boss) in html


@pytest.mark.parametrize("model", [OrderLine, AccountMonth, ImportBatch, FieldChange])
def test_imported_data_and_history_are_read_only(boss_client, data, model):
    assert boss_client.get(admin_url(model, "add")).status_code == 403
    obj = model.objects.first()
    response = boss_client.get(admin_url(obj, "change", obj.pk))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert boss_client.get(admin_url(obj, "delete", obj.pk)).status_code == 403


@pytest.mark.parametrize("obj_name", ["east_account", "contact", "cost"])
def test_no_hard_delete(boss_client, cast, data, obj_name):
    obj = getattr(cast, obj_name, None) or data[obj_name]
    assert boss_client.get(admin_url(obj, "delete", obj.pk)).status_code == 403
    response = boss_client.get(admin_url(obj))
    assert 'value="delete_selected"' not in response.content.decode()


def test_soft_delete_and_restore_accounts_through_actions(boss_client, cast):
    account = cast.east_account
    response = boss_client.post(
        admin_url(Account), {"action": "soft_delete", "_selected_action": [account.pk]}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.deleted_at is not None
    change = history_of(account, "deleted").get()
    assert (change.changed_by, change.new_value) == (cast.boss, "yes")

    # The default list shows living accounts; the deleted ones are a filter away.
    alive = boss_client.get(admin_url(Account)).content.decode()
    deleted = boss_client.get(admin_url(Account) + "?deleted=yes").content.decode()
    assert account.name not in alive
    assert account.name in deleted
    assert cast.east_other.name in alive and cast.east_other.name not in deleted

    boss_client.post(
        admin_url(Account) + "?deleted=yes",
        {"action": "restore", "_selected_action": [account.pk]},
    )
    account.refresh_from_db()
    assert account.deleted_at is None
    assert history_of(account, "deleted").count() == 2
    assert Account.objects.filter(pk=account.pk).count() == 1


def test_soft_delete_and_restore_contacts_through_actions(boss_client, cast, data):
    contact = data["contact"]
    boss_client.post(
        admin_url(Contact), {"action": "soft_delete", "_selected_action": [contact.pk]}
    )
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    assert not Contact.objects.restrict(cast.owner_kam).exists()
    boss_client.post(
        admin_url(Contact) + "?deleted=yes",
        {"action": "restore", "_selected_action": [contact.pk]},
    )
    contact.refresh_from_db()
    assert contact.deleted_at is None
    assert [c.changed_by for c in history_of(contact, "deleted")] == [cast.boss, cast.boss]


def account_form(account, **changes) -> dict:
    """The POST body of the account change form, with its team inline as it stands."""
    team = list(account.team.order_by("pk")) if account.pk else []
    body = {
        "name": account.name,
        "short_name": account.short_name,
        "code": account.code or "",
        "uscc": account.uscc,
        "industry": account.industry,
        "region": account.region_id or "",
        "status": account.status,
        "parent": account.parent_id or "",
        "referred_by": account.referred_by_id or "",
        "owner": account.owner_id or "",
        "team-TOTAL_FORMS": len(team),
        "team-INITIAL_FORMS": len(team),
        "team-MIN_NUM_FORMS": 0,
        "team-MAX_NUM_FORMS": 1000,
    }
    for i, member in enumerate(team):
        body.update(
            {
                f"team-{i}-id": member.pk,
                f"team-{i}-account": account.pk,
                f"team-{i}-user": member.user_id,
                f"team-{i}-role": member.role,
                f"team-{i}-department": member.department,
            }
        )
    body.update(changes)
    return body


def test_owner_and_status_changes_in_the_admin_keep_history(boss_client, cast):
    account = cast.east_account
    response = boss_client.post(
        admin_url(account, "change", account.pk),
        account_form(account, owner=cast.outsider_kam.pk, status=AccountStatus.DORMANT),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    account.refresh_from_db()
    assert (account.owner, account.status) == (cast.outsider_kam, AccountStatus.DORMANT)
    owner_change = history_of(account, "owner").get()
    assert (owner_change.old_value, owner_change.new_value, owner_change.changed_by) == (
        str(cast.owner_kam.pk),
        str(cast.outsider_kam.pk),
        cast.boss,
    )
    assert history_of(account, "status").get().changed_by == cast.boss
    assert account.team.filter(user=cast.outsider_kam, role=TeamRole.KAM).exists()


def test_removing_a_team_member_in_the_admin_keeps_history(boss_client, cast):
    account = cast.east_account
    body = account_form(account)
    index = next(
        i
        for i in range(body["team-TOTAL_FORMS"])
        if body[f"team-{i}-user"] == cast.team_specialist.pk
    )
    body[f"team-{index}-DELETE"] = "on"
    response = boss_client.post(admin_url(account, "change", account.pk), body)
    assert response.status_code == 302
    assert not account.team.filter(user=cast.team_specialist).exists()
    assert history_of(account, "team").get().changed_by == cast.boss


def test_adding_an_account_in_the_admin_puts_the_owner_on_the_team(boss_client, cast):
    body = account_form(Account(name="宁波港务集团", status=AccountStatus.PROSPECT))
    body.update(region=cast.east.pk, owner=cast.owner_kam.pk, code="C-E003")
    response = boss_client.post(admin_url(Account, "add"), body)
    assert response.status_code == 302
    account = Account.objects.get(code="C-E003")
    assert account.team.filter(user=cast.owner_kam, role=TeamRole.KAM).exists()
    assert history_of(account, "owner").get().changed_by == cast.boss


def test_autocomplete_offers_living_accounts_only(boss_client, cast):
    response = boss_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "people", "model_name": "contact", "field_name": "account", "term": ""},
    )
    assert response.status_code == 200
    names = {item["text"] for item in response.json()["results"]}
    assert cast.east_account.name in names
    assert cast.deleted_account.name not in names


@pytest.fixture
def staff_kam(client, cast):
    """owner_kam with admin access to accounts, contacts and order lines, but no portfolio."""
    user = cast.owner_kam
    user.is_staff = True
    user.save()
    codenames = [
        "view_account",
        "change_account",
        "view_contact",
        "view_orderline",
        "view_fieldchange",
    ]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_admin_lists_follow_visible_to(staff_kam, cast, data):
    accounts = staff_kam.get(admin_url(Account) + "?deleted=all").content.decode()
    assert cast.east_account.name in accounts
    for other in (cast.east_other, cast.south_account, cast.deleted_account):
        assert other.name not in accounts
    assert "?deleted=yes" not in accounts  # no deleted list below the portfolio

    # An account outside the user's reach cannot be opened by its URL either.
    response = staff_kam.get(admin_url(cast.south_account, "change", cast.south_account.pk))
    assert response.status_code == 302

    assert "SO-2025-0001" in staff_kam.get(admin_url(OrderLine)).content.decode()
    assert "王总" in staff_kam.get(admin_url(Contact)).content.decode()


def test_other_kams_see_no_foreign_rows(client, cast, data):
    user = cast.outsider_kam
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_orderline", "view_contact"])
    )
    client.force_login(user)
    assert "SO-2025-0001" not in client.get(admin_url(OrderLine)).content.decode()
    assert "王总" not in client.get(admin_url(Contact)).content.decode()
    line = data["line"]
    assert client.get(admin_url(line, "change", line.pk)).status_code == 302


def test_history_list_is_for_the_portfolio_only(staff_kam):
    assert staff_kam.get(admin_url(FieldChange)).status_code == 403


def test_forms_accept_only_visible_accounts(client, cast):
    """east_manager may manage east_account but does not see south_account."""
    cast.east_manager.is_staff = True
    cast.east_manager.save()
    client.force_login(cast.east_manager)
    account = cast.east_account
    body = account_form(account, parent=cast.south_account.pk)
    response = client.post(admin_url(account, "change", account.pk), body)
    assert response.status_code == 200  # the form comes back with an error
    assert "parent" in response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.parent is None


def test_a_region_change_in_the_admin_keeps_history_and_a_regional_manager_cannot_move_away(
    client, boss_client, cast
):
    account = cast.east_account
    response = boss_client.post(
        admin_url(account, "change", account.pk), account_form(account, region=cast.south.pk)
    )
    assert response.status_code == 302
    change = history_of(account, "region").get()
    assert (change.old_value, change.new_value) == (str(cast.east.pk), str(cast.south.pk))
    assert change.changed_by == cast.boss

    # east_manager manages east_other, but may only keep it in his own region
    cast.east_manager.is_staff = True
    cast.east_manager.save()
    client.force_login(cast.east_manager)
    other = cast.east_other
    response = client.post(
        admin_url(other, "change", other.pk), account_form(other, region=cast.south.pk)
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.region == cast.east
