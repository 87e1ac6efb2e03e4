import io

from django.core.management import call_command

from kam.core import versions


def test_invalidate_gives_every_kind_of_data_a_new_stamp(db):
    versions.bump(versions.ROLLUP, versions.VALUE)
    before = versions.stamps()
    call_command("invalidate", stdout=io.StringIO())
    after = versions.stamps()
    assert all(after[kind] and after[kind] != before[kind] for kind in before)


def test_saving_an_account_changes_the_value_stamp_only(db):
    from kam.accounts import services

    services.create_account(name="测试客户")
    before = versions.stamps()
    account = services.create_account(name="另一个客户")
    after = versions.stamps()
    assert after[versions.VALUE] != before[versions.VALUE]
    assert after[versions.ROLLUP] == before[versions.ROLLUP]
    assert account.pk


def test_a_stamp_says_when_its_data_last_changed(db):
    from django.utils import timezone

    assert versions.changed_at(versions.ROLLUP) is None
    versions.bump(versions.ROLLUP)
    first = versions.changed_at(versions.ROLLUP)
    later = timezone.now()
    versions.bump(versions.VALUE)
    assert versions.changed_at(versions.ROLLUP) == first <= later
    assert versions.changed_at(versions.ROLLUP, versions.VALUE) >= later
    versions.bump(versions.ROLLUP)
    assert versions.changed_at(versions.ROLLUP) >= later
