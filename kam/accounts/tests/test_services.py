"""Writes to accounts: owner hand-over with history, soft deletion, USCC validation."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from stdnum.cn import uscc

from kam.accounts import services
from kam.accounts.choices import AccountStatus, TeamRole
from kam.accounts.models import Account, AccountTeamMember
from kam.core.history import history_of

pytestmark = pytest.mark.django_db


def valid_uscc(body: str = "91310000MA1FL0000") -> str:
    """A code with a correct check digit: 17 characters plus the one stdnum computes."""
    return body + uscc.calc_check_digit(body)


def test_create_account_puts_the_owner_on_the_team(cast):
    assert AccountTeamMember.objects.filter(
        account=cast.east_account, user=cast.owner_kam, role=TeamRole.KAM
    ).exists()


def test_change_owner_records_who_from_to_and_why(cast):
    account = cast.east_account
    services.change_owner(account, cast.outsider_kam, by=cast.director, reason="客户迁往华南")

    change = history_of(account, "owner").get()
    assert change.changed_by == cast.director
    assert change.old_value == str(cast.owner_kam.pk)
    assert change.new_value == str(cast.outsider_kam.pk)
    assert change.reason == "客户迁往华南"
    assert change.changed_at is not None

    account.refresh_from_db()
    assert account.owner == cast.outsider_kam
    assert AccountTeamMember.objects.filter(
        account=account, user=cast.outsider_kam, role=TeamRole.KAM
    ).exists()
    assert Account.objects.restrict(cast.outsider_kam).filter(pk=account.pk).exists()


def test_change_owner_to_the_same_owner_records_nothing(cast):
    services.change_owner(cast.east_account, cast.owner_kam, by=cast.boss)
    assert not history_of(cast.east_account, "owner").exists()


def test_change_owner_to_nobody(cast):
    services.change_owner(cast.east_account, None, by=cast.boss, reason="KAM left")
    change = history_of(cast.east_account, "owner").get()
    assert (change.old_value, change.new_value) == (str(cast.owner_kam.pk), "")


def test_change_status_keeps_history(cast):
    services.change_status(cast.east_account, AccountStatus.DORMANT, by=cast.boss, reason="无订单")
    change = history_of(cast.east_account, "status").get()
    assert (change.old_value, change.new_value, change.changed_by) == (
        AccountStatus.ACTIVE,
        AccountStatus.DORMANT,
        cast.boss,
    )


def test_soft_delete_and_restore_keep_the_row(cast):
    account = cast.east_account
    services.delete_account(account, by=cast.director, reason="重复录入")

    row = Account.objects.get(pk=account.pk)
    assert row.deleted_at is not None
    assert row.name == "上海申华机械有限公司"
    assert AccountTeamMember.objects.filter(account=account).count() == 2
    assert not Account.objects.alive().filter(pk=account.pk).exists()
    assert not Account.objects.restrict(cast.boss).filter(pk=account.pk).exists()

    services.restore_account(row, by=cast.boss)
    row.refresh_from_db()
    assert row.deleted_at is None
    assert Account.objects.restrict(cast.owner_kam).filter(pk=account.pk).exists()

    deleted, restored = history_of(account, "deleted").order_by("changed_at", "id")
    assert (deleted.changed_by, deleted.new_value, deleted.reason) == (
        cast.director,
        "yes",
        "重复录入",
    )
    assert (restored.changed_by, restored.old_value, restored.new_value) == (cast.boss, "yes", "")


def test_valid_uscc_passes_full_clean(cast):
    account = cast.east_account
    account.uscc = valid_uscc()
    account.full_clean()


def test_blank_uscc_is_allowed(cast):
    cast.east_account.uscc = ""
    cast.east_account.full_clean()


def wrong_check_digit(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("code", "error_code", "msgid"),
    [
        (
            wrong_check_digit(valid_uscc()),
            "uscc_checksum",
            "The check digit of unified social credit code %(code)s is wrong.",
        ),
        (
            valid_uscc()[:-2],
            "uscc_format",
            "%(code)s is not a unified social credit code (18 letters and digits).",
        ),
        (
            valid_uscc() + "1",
            "uscc_format",
            "%(code)s is not a unified social credit code (18 letters and digits).",
        ),
    ],
    ids=["check-digit", "too-short", "too-long"],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_invalid_uscc_fails_with_translated_message(cast, code, error_code, msgid, language):
    account = cast.east_account
    account.uscc = code
    with translation.override(language), pytest.raises(ValidationError) as caught:
        account.full_clean()
    errors = caught.value.error_dict["uscc"]
    # A code that is too long also breaks the field's max_length; ours must be there too.
    assert error_code in [e.code for e in errors]
    # The message is lazy: it renders in whichever language is active when it is shown.
    with translation.override(language):
        assert gettext(msgid) % {"code": code} in caught.value.message_dict["uscc"]


def test_english_message_names_the_problem(cast):
    account = cast.east_account
    account.uscc = wrong_check_digit(valid_uscc())
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            account.full_clean()
        assert caught.value.message_dict["uscc"] == [
            f"The check digit of unified social credit code {account.uscc} is wrong."
        ]


def test_create_account_rejects_a_bad_uscc(cast):
    with pytest.raises(ValidationError):
        services.create_account(name="坏代码公司", uscc="123", region=cast.east)
    assert not Account.objects.filter(name="坏代码公司").exists()
