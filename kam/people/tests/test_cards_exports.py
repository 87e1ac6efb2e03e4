"""No export carries a relationship card (issue 11: erased data must be gone from exports,
so card data never goes into one): the accounts' workbook, the contacts' API and the admin."""

import io
import json
import zipfile

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from kam.people import cards, services
from kam.people.birthdays import SOLAR, Birthday
from kam.people.models import CardEvent, RelationshipCard
from kam.users import services as user_services

pytestmark = pytest.mark.django_db

SECRET = "儿子在准备出国留学"
HOBBY = "收藏紫砂壶"


@pytest.fixture
def contact(cast):
    contact = services.create_contact(cast.east_account, by=cast.owner_kam, name="赵主任")
    cards.save_card(
        contact,
        by=cast.owner_kam,
        birthday=Birthday(SOLAR, 1968, 3, 9),
        family=SECRET,
        interests=HOBBY,
    )
    return contact


def workbook_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


def test_the_accounts_workbook_carries_no_card(contact, cast):
    client = Client()
    client.force_login(cast.boss)
    answer = client.get(reverse("accounts:export"))
    assert answer.status_code == 200
    text = workbook_text(b"".join(answer.streaming_content) if answer.streaming else answer.content)
    assert cast.east_account.name in text  # the workbook was read
    assert SECRET not in text and HOBBY not in text and "1968" not in text


def test_the_contacts_api_carries_no_card(contact, cast):
    _row, token = user_services.create_api_token(cast.owner_kam, "test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = client.get(f"/api/v1/contacts/?account={cast.east_account.pk}")
    one = client.get(f"/api/v1/contacts/{contact.pk}/")
    assert listed.status_code == one.status_code == 200
    for answer in (listed, one):
        text = json.dumps(answer.json(), ensure_ascii=False)
        assert "赵主任" in text
        assert SECRET not in text and HOBBY not in text and "birthday" not in text
    assert not CardEvent.objects.filter(contact=contact, kind="viewed").exists()


def test_the_admin_offers_no_card_pages():
    assert RelationshipCard not in admin.site._registry
    assert CardEvent not in admin.site._registry
