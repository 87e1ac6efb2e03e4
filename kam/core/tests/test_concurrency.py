"""No lost updates: the token, the refusal, the lock, and the admin's guard.

The page-level stories (two people on one account page) live in the apps' tests
(kam/accounts/tests/test_stale_edits.py, kam/value/tests/test_stale_config.py); here is the
mechanism every one of them uses, and moves made truly at the same time from two threads.
"""

import itertools
import threading

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import path
from django.utils import translation

import kam.urls
from kam.accounts import services
from kam.accounts.choices import SalesStage
from kam.accounts.models import Account
from kam.core import concurrency
from kam.core.concurrency import StaleEdit, StaleGuardAdmin, read_token, seen_of, seen_token
from kam.core.history import history_of


def sales_stage_token(account) -> str:
    return seen_token(account, [services.stage_watch(account, "sales_stage")])


# ---------------------------------------------------------------- the token


@pytest.mark.django_db
def test_a_token_carries_what_the_user_saw_and_nothing_else_passes_for_one(cast):
    account = cast.east_account
    token = sales_stage_token(account)
    assert read_token(token, account).values == {"sales_stage": SalesStage.QUALIFIED}
    # a token is URL-safe, compact text
    assert len(token) < 200 and all(c.isalnum() or c in "-_:." for c in token)
    forged = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # signature broken
        "garbage",
        "",
        token.replace(token.split(":")[0], "eyJ0IjoiIiwidiI6e319"),  # another payload
    ]
    for bad in forged:
        with pytest.raises(ValidationError) as caught:
            read_token(bad, account)
        assert caught.value.code == "bad_seen_token"
    with pytest.raises(ValidationError):
        read_token(token, cast.east_other)  # a token of another account


@pytest.mark.django_db
def test_a_stale_move_is_refused_naming_field_values_who_and_when(cast):
    account = cast.east_account
    seen = seen_of(account, [services.stage_watch(account, "sales_stage")])
    services.change_sales_stage(account, SalesStage.TRIAL, by=cast.owner_kam, reason="试产")
    stale = Account.objects.get(pk=account.pk)
    with translation.override("zh-hans"), pytest.raises(StaleEdit) as caught:
        services.change_sales_stage(stale, SalesStage.SOLE, by=cast.director, seen=seen)
    (message,) = caught.value.messages
    change = history_of(account, "sales_stage").get()
    when = concurrency.timezone.localtime(change.changed_at).strftime("%Y-%m-%d %H:%M")
    assert message.startswith("销售阶段已被 owner_kam 于 ")
    assert f"于 {when} 从 入围 改为 小批量；你看到的是 入围。" in message
    assert message.endswith("请刷新页面后再改。")
    conflict = caught.value.conflicts[0]
    assert (conflict.seen, conflict.now) == (SalesStage.QUALIFIED, SalesStage.TRIAL)
    assert conflict.change.changed_by == cast.owner_kam
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.TRIAL
    assert history_of(account, "sales_stage").count() == 1


@pytest.mark.django_db
def test_when_history_cannot_say_who_the_message_still_says_what(cast, english):
    """A value changed without history (a raw update) is still refused, without a name."""
    account = cast.east_account
    seen = seen_of(account, [services.stage_watch(account, "sales_stage")])
    Account.objects.filter(pk=account.pk).update(sales_stage=SalesStage.VOLUME)
    with pytest.raises(StaleEdit) as caught:
        services.change_sales_stage(account, SalesStage.TRIAL, seen=seen)
    assert caught.value.messages == [
        "Sales stage has been changed to Volume ramp since you opened the page; "
        "you saw Qualified supplier. Reload the page and make your change again."
    ]


@pytest.mark.django_db
def test_without_a_token_services_still_write_history_from_the_stored_value(cast):
    """CLI, importer and demo pass no token: the move is made, from what is stored, even
    when the caller's copy of the account is out of date."""
    account = cast.east_account
    stale = Account.objects.get(pk=account.pk)
    services.change_sales_stage(account, SalesStage.TRIAL, by=cast.owner_kam, reason="试单")
    services.change_sales_stage(stale, SalesStage.VOLUME, by=cast.director, reason="上量")
    moves = list(history_of(account, "sales_stage").order_by("changed_at", "id"))
    assert [(m.old_value, m.new_value) for m in moves] == [
        (SalesStage.QUALIFIED, SalesStage.TRIAL),
        (SalesStage.TRIAL, SalesStage.VOLUME),
    ]


@pytest.mark.django_db
def test_a_token_for_another_edit_of_the_same_account_is_not_a_pass(cast):
    """The tier form's token posted to a stage move names no stage: refused as damaged."""
    from kam.value import services as value_services

    account = cast.east_account
    seen = seen_of(account, [value_services.tier_watch(account, None)])
    with pytest.raises(ValidationError) as caught:
        services.change_sales_stage(account, SalesStage.TRIAL, seen=seen)
    assert caught.value.code == "bad_seen_token"
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED


# ---------------------------------------------------------------- real concurrency

ROUNDS = 10
TARGETS = [SalesStage.TRIAL, SalesStage.VOLUME, SalesStage.SOLE, SalesStage.QUALIFIED]


def _both_at_once(work) -> list:
    """Run work(0) and work(1) in two threads released together; their results or errors.
    Each thread closes its own database connection at the end."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # the refusal is the result we look at
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _consistent(account) -> list:
    """Each move's "from" is the previous move's "to", and the last "to" is the stage now."""
    moves = list(history_of(account, "sales_stage").order_by("changed_at", "id"))
    for before, after in itertools.pairwise(moves):
        assert after.old_value == before.new_value, [(m.old_value, m.new_value) for m in moves]
    account.refresh_from_db()
    assert moves[-1].new_value == account.sales_stage
    return moves


@pytest.mark.django_db(transaction=True)
def test_simultaneous_moves_keep_history_consistent(cast):
    """Two moves at the same time, without tokens (as two scripts would): both are made,
    one after the other, and history records them so."""
    account_id = cast.east_account.pk
    users = [cast.owner_kam, cast.team_specialist]
    for round_ in range(ROUNDS):
        targets = [TARGETS[round_ % 4], TARGETS[(round_ + 1) % 4]]

        def move(i, targets=targets, reason=f"round {round_}"):
            account = Account.objects.get(pk=account_id)  # both read before either writes
            services.change_sales_stage(account, targets[i], by=users[i], reason=reason)

        assert _both_at_once(move) == [None, None]
    moves = _consistent(cast.east_account)
    assert len(moves) >= ROUNDS


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_moves_from_one_page_the_second_is_refused(cast):
    """Two people who saw the same stage move it at the same time: exactly one move is
    made, the other is refused naming who made it, and history has that one move."""
    account_id = cast.east_account.pk
    users = [cast.owner_kam, cast.team_specialist]
    for _round in range(ROUNDS):
        account = Account.objects.get(pk=account_id)
        seen = seen_of(account, [services.stage_watch(account, "sales_stage")])
        before = history_of(account, "sales_stage").count()
        targets = [s for s in TARGETS if s != account.sales_stage][:2]

        def move(i, targets=targets, seen=seen):
            copy = Account.objects.get(pk=account_id)
            return services.change_sales_stage(
                copy, targets[i], by=users[i], seen=seen, reason="同时"
            )

        results = _both_at_once(move)
        refused = [r for r in results if isinstance(r, StaleEdit)]
        made = [r for r in results if isinstance(r, Account)]
        assert len(refused) == 1 and len(made) == 1, results
        winner = results.index(made[0])
        assert refused[0].conflicts[0].change.changed_by == users[winner]
        assert history_of(account, "sales_stage").count() == before + 1
        assert Account.objects.get(pk=account_id).sales_stage == targets[winner]
    _consistent(cast.east_account)


# ---------------------------------------------------------------- the admin

guarded_site = AdminSite(name="guarded")


class GuardedAccountAdmin(StaleGuardAdmin, admin.ModelAdmin):
    """A throwaway admin: the real ones add the mixin the same way."""

    fields = ["name", "status", "industry"]


guarded_site.register(Account, GuardedAccountAdmin)
urlpatterns = [path("guarded/", guarded_site.urls), *kam.urls.urlpatterns]


def _admin_client(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(user)
    return client


def _change_form(client, account) -> tuple[str, dict]:
    url = f"/guarded/accounts/account/{account.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in ("name", "status", "industry")}
    data["seen"] = form["seen"].value()
    assert f'name="seen" value="{data["seen"]}"' in response.content.decode()
    return url, data


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_admin_refuses_a_change_form_submitted_on_a_stale_copy(cast, client):
    """The throwaway admin saves without history: the message says what changed, not who."""
    account = cast.east_account
    first = _admin_client(client, cast.boss)
    second = _admin_client(Client(), cast.boss)
    url, mine = _change_form(first, account)
    _url, theirs = _change_form(second, account)

    assert first.post(url, mine | {"status": "dormant"}).status_code == 302
    response = second.post(url, theirs | {"industry": "机械"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "你打开页面之后，状态已被改为 休眠客户；你看到的是 活跃客户。请刷新页面后再改。"
    ]
    assert errors[0] in response.content.decode()
    account.refresh_from_db()
    assert (account.status, account.industry) == ("dormant", "")


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_admin_does_not_put_back_fields_it_does_not_edit(cast, client):
    """A stage moved on the account page while the admin form was open stays moved."""
    account = cast.east_account
    url, data = _change_form(_admin_client(client, cast.boss), account)
    services.change_sales_stage(account, SalesStage.TRIAL, by=cast.owner_kam, reason="试单")
    assert client.post(url, data | {"industry": "机械"}).status_code == 302
    account.refresh_from_db()
    assert (account.sales_stage, account.industry) == (SalesStage.TRIAL, "机械")


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_the_admin_refuses_a_forged_token_and_changes_nothing(cast, client):
    account = cast.east_account
    url, data = _change_form(_admin_client(client, cast.boss), account)
    response = client.post(url, data | {"industry": "机械", "seen": data["seen"][:-2] + "xx"})
    assert response.status_code == 200
    assert "请刷新页面" in str(response.context["adminform"].form.non_field_errors())
    account.refresh_from_db()
    assert account.industry == ""
