"""Two people on one account page: the second edit made on a stale page is refused.

Each story opens the page twice (two clients, two people), reads the token the form carries
from the HTML, lets the first person edit, then posts the second person's edit: refused
(400) with a message naming the field, the value now and who changed it; the first edit and
its single history row stand.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kam.accounts.choices import SalesStage
from kam.accounts.models import StageCheck
from kam.core.history import history_of
from kam.value.choices import Tier
from kam.value.models import AccountPotential, AccountTier

pytestmark = pytest.mark.django_db


def opened(user, account) -> tuple[Client, str]:
    """A person's own browser on the account page, in Chinese, and the page's HTML."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200
    return client, response.content.decode()


def form_html(html: str, marker: str) -> str:
    """The <form> of the page that contains `marker` (its id, or one of its inputs)."""
    at = html.index(marker)
    return html[html.rindex("<form", 0, at) : html.index("</form>", at)]


def token(html: str, marker: str, name: str = "seen") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', form_html(html, marker))
    assert found, f"no {name} token in the form of {marker}"
    return found.group(1)


def url(name: str, account, *args) -> str:
    return reverse(f"accounts:{name}", args=[account.pk, *args])


def local(change) -> str:
    return timezone.localtime(change.changed_at).strftime("%Y-%m-%d %H:%M")


def errors_of(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- stage moves


def test_a_stage_move_made_on_a_stale_page_is_refused(cast):
    account = cast.east_account
    first, first_page = opened(cast.owner_kam, account)
    second, second_page = opened(cast.team_specialist, account)

    moved = first.post(
        url("stage", account, "sales"),
        {
            "sales-stage": "trial",
            "sales-reason": "试产订单",
            "sales-seen": token(first_page, 'id="sales-stage-form"', "sales-seen"),
        },
    )
    assert moved.status_code == 302
    refused = second.post(
        url("stage", account, "sales"),
        {
            "sales-stage": "volume",
            "sales-reason": "放量",
            "sales-seen": token(second_page, 'id="sales-stage-form"', "sales-seen"),
        },
    )

    assert refused.status_code == 400
    (move,) = history_of(account, "sales_stage")
    assert (move.old_value, move.new_value, move.changed_by) == (
        "qualified",
        "trial",
        cast.owner_kam,
    )
    assert (
        f"销售阶段已被 owner_kam 于 {local(move)} 从 入围 改为 小批量；你看到的是 入围。"
        "请刷新页面后再改。"
    ) in errors_of(refused)
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.TRIAL


def test_after_reloading_the_second_move_is_made_from_where_the_first_went(cast):
    account = cast.east_account
    first, first_page = opened(cast.owner_kam, account)
    first.post(
        url("stage", account, "sales"),
        {
            "sales-stage": "trial",
            "sales-reason": "试产",
            "sales-seen": token(first_page, 'id="sales-stage-form"', "sales-seen"),
        },
    )
    second, page = opened(cast.team_specialist, account)
    moved = second.post(
        url("stage", account, "sales"),
        {
            "sales-stage": "volume",
            "sales-reason": "放量",
            "sales-seen": token(page, 'id="sales-stage-form"', "sales-seen"),
        },
    )
    assert moved.status_code == 302
    moves = history_of(account, "sales_stage").order_by("changed_at", "id")
    assert [(m.old_value, m.new_value) for m in moves] == [
        ("qualified", "trial"),
        ("trial", "volume"),
    ]


def test_the_relationship_track_has_its_own_token(cast):
    """A sales move does not make the relationship form stale, but a relationship move does."""
    account = cast.east_account
    first, first_page = opened(cast.owner_kam, account)
    second, second_page = opened(cast.director, account)
    marker = 'id="relationship-stage-form"'
    first.post(
        url("stage", account, "sales"),
        {
            "sales-stage": "trial",
            "sales-reason": "试产",
            "sales-seen": token(first_page, 'id="sales-stage-form"', "sales-seen"),
        },
    )
    data = {"relationship-stage": "basic", "relationship-reason": "互访"}
    seen = token(second_page, marker, "relationship-seen")
    assert (
        second.post(
            url("stage", account, "relationship"), data | {"relationship-seen": seen}
        ).status_code
        == 302
    )
    late = first.post(
        url("stage", account, "relationship"),
        {
            "relationship-stage": "cooperative",
            "relationship-reason": "合作",
            "relationship-seen": token(first_page, marker, "relationship-seen"),
        },
    )
    assert late.status_code == 400
    assert "关系阶段已被 director 于" in errors_of(late)
    account.refresh_from_db()
    assert account.relationship_stage == "basic"


def test_a_forged_token_is_a_clear_error_and_changes_nothing(cast):
    account = cast.east_account
    client, page = opened(cast.owner_kam, account)
    seen = token(page, 'id="sales-stage-form"', "sales-seen")
    for forged in (seen[:-4] + "AAAA", "x" * 40, seen.replace(":", ".", 1)):
        response = client.post(
            url("stage", account, "sales"),
            {"sales-stage": "trial", "sales-reason": "试产", "sales-seen": forged},
        )
        assert response.status_code == 400
        assert "这张表单在提交途中损坏了" in errors_of(response)
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED
    assert not history_of(account, "sales_stage").exists()


def test_a_token_of_another_account_is_refused(cast):
    """The director opens two accounts and posts the first one's token to the second."""
    client, page = opened(cast.director, cast.east_account)
    seen = token(page, 'id="sales-stage-form"', "sales-seen")
    response = client.post(
        url("stage", cast.east_other, "sales"),
        {"sales-stage": "trial", "sales-reason": "试产", "sales-seen": seen},
    )
    assert response.status_code == 400
    cast.east_other.refresh_from_db()
    assert cast.east_other.sales_stage == SalesStage.QUALIFIED


# ---------------------------------------------------------------- checklist


def test_a_checklist_tick_made_on_a_stale_page_is_refused(cast):
    account = cast.east_account
    item = 'name="item" value="credentials"'
    first, first_page = opened(cast.owner_kam, account)
    second, second_page = opened(cast.team_specialist, account)
    tick = {"track": "sales", "stage": "qualified", "item": "credentials", "done": "on"}

    ticked = first.post(
        url("check", account), tick | {"note": "营业执照已交", "seen": token(first_page, item)}
    )
    assert ticked.status_code == 302
    refused = second.post(
        url("check", account), tick | {"note": "资质齐全", "seen": token(second_page, item)}
    )

    assert refused.status_code == 400
    html = errors_of(refused)
    assert "已被 owner_kam 于" in html and "从 未完成 改为 已完成；你看到的是 未完成。" in html
    check = StageCheck.objects.get(account=account, item="credentials")
    assert (check.done, check.note, check.checked_by) == (True, "营业执照已交", cast.owner_kam)
    assert history_of(account, "stage_check.sales.qualified.credentials").count() == 1


# ---------------------------------------------------------------- tiers


@pytest.fixture
def gold(cast):
    """east_account's computed tier is gold."""
    return AccountTier.objects.create(account=cast.east_account, computed_tier=Tier.GOLD)


def test_a_tier_override_made_on_a_stale_page_is_refused(cast, gold):
    account = cast.east_account
    boss, boss_page = opened(cast.boss, account)
    director, director_page = opened(cast.director, account)

    set_ = boss.post(
        url("override", account),
        {
            "tier": "diamond",
            "reason": "集团战略客户",
            "seen": token(boss_page, 'id="override-form"'),
        },
    )
    assert set_.status_code == 302
    refused = director.post(
        url("override", account),
        {
            "tier": "strategic",
            "reason": "潜力大",
            "seen": token(director_page, 'id="override-form"'),
        },
    )

    assert refused.status_code == 400
    (change,) = history_of(account, "tier")
    assert (change.old_value, change.new_value, change.changed_by) == ("gold", "diamond", cast.boss)
    assert f"等级已被 Lao Ban 于 {local(change)} 从 黄金 改为 钻石；你看到的是 黄金。" in errors_of(
        refused
    )
    gold.refresh_from_db()
    assert (gold.override_tier, gold.overridden_by) == (Tier.DIAMOND, cast.boss)


def test_clearing_an_override_on_a_stale_page_is_refused(cast, gold):
    account = cast.east_account
    gold.override_tier = Tier.DIAMOND
    gold.save()
    boss, boss_page = opened(cast.boss, account)
    director, director_page = opened(cast.director, account)
    changed = boss.post(
        url("override", account),
        {"tier": "strategic", "reason": "转为战略", "seen": token(boss_page, 'id="override-form"')},
    )
    assert changed.status_code == 302
    refused = director.post(
        url("clear_override", account),
        {"reason": "回到计算结果", "seen": token(director_page, 'id="clear-override-form"')},
    )
    assert refused.status_code == 400
    gold.refresh_from_db()
    assert gold.override_tier == Tier.STRATEGIC
    assert history_of(account, "tier").count() == 1


# ---------------------------------------------------------------- potential


def potential_form(page: str, **values) -> dict:
    blank = {
        "wallet": "",
        "share_percent": "",
        "growth_outlook": "",
        "influence": "",
        "referral_power": "",
        "strategic_fit": "",
        "note": "",
    }
    return blank | values | {"seen": token(page, 'id="potential-form"')}


def test_potential_inputs_made_on_a_stale_page_are_refused(cast):
    account = cast.east_account
    first, first_page = opened(cast.owner_kam, account)
    second, second_page = opened(cast.team_specialist, account)

    saved = first.post(
        url("potential", account), potential_form(first_page, wallet="5000000", share_percent="20")
    )
    assert saved.status_code == 302
    refused = second.post(url("potential", account), potential_form(second_page, influence="4"))

    assert refused.status_code == 400
    html = errors_of(refused)
    assert (
        "年品类采购额已被 owner_kam 于" in html and "改为 5000000.00；你看到的是 （空）。" in html
    )
    assert "改为 20%" in html
    potential = AccountPotential.objects.get(account=account)
    assert (potential.wallet, potential.influence) == (5000000, None)
    assert not history_of(account, "potential.influence").exists()
    assert history_of(account, "potential.wallet").count() == 1
