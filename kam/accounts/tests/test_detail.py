"""The account 360° page: who sees it, what it shows, and the edits made on it."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kam.accounts import services
from kam.accounts.choices import RelationshipStage, SalesStage, StageTrack, TeamRole
from kam.accounts.models import StageCheck
from kam.conftest import make_user
from kam.core.history import history_of
from kam.core.versions import ROLLUP, VALUE, bump
from kam.people.models import Contact
from kam.sales.models import AccountMonth
from kam.value.analytics.periods import add_months
from kam.value.models import AccountPotential, AccountTier

FIRST_MONTH = date(2024, 1, 1)
MONTHS = 24  # 2024-01 .. 2025-12, so the page opens on 2025, the last whole year


@pytest.fixture
def sales(cast):
    """Two years of monthly sales for east_account: revenue 100,000 + n, cost 70,000, paid
    within the month (an export with payment columns: tracked and collected)."""
    for n in range(MONTHS):
        revenue = Decimal("100000.00") + n
        AccountMonth.objects.create(
            account=cast.east_account,
            month=add_months(FIRST_MONTH, n),
            revenue=revenue,
            tracked_revenue=revenue,
            collected=revenue,
            cost=Decimal("70000.00"),
            orders=3,
            lines=5,
        )
    return cast


def page_url(account, **query):
    url = reverse("accounts:detail", args=[account.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def as_user(client, user):
    client.force_login(user)
    return client


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    "who", ["owner_kam", "team_specialist", "boss", "director", "east_manager"]
)
def test_the_page_opens_for_owner_team_and_managers(client, sales, who):
    response = as_user(client, getattr(sales, who)).get(page_url(sales.east_account))
    assert response.status_code == 200
    html = response.content.decode()
    assert sales.east_account.name in html
    for hook in (
        'id="account-header"',
        'id="tier-history"',
        'id="value-tab"',
        'id="trend-chart"',
        'id="waterfall-chart"',
        'id="stages-tab"',
        'id="sales-stages"',
        'id="relationship-stages"',
        'id="stage-history"',
    ):
        assert hook in html, hook


def test_only_those_who_steer_tiers_get_the_override_form(client, sales):
    owner_page = as_user(client, sales.owner_kam).get(page_url(sales.east_account))
    assert 'id="override-form"' not in owner_page.content.decode()
    boss_page = as_user(client, sales.boss).get(page_url(sales.east_account))
    assert 'id="override-form"' in boss_page.content.decode()


def test_team_members_edit_stages_but_do_not_manage_the_team(client, sales):
    html = as_user(client, sales.team_specialist).get(page_url(sales.east_account)).content
    html = html.decode()
    assert 'id="sales-stage-form"' in html
    assert 'id="potential-form"' in html
    assert 'id="team-form"' not in html


def edit_urls(account):
    pk = account.pk
    return [
        reverse("accounts:stage", args=[pk, "sales"]),
        reverse("accounts:stage", args=[pk, "relationship"]),
        reverse("accounts:check", args=[pk]),
        reverse("accounts:potential", args=[pk]),
        reverse("accounts:override", args=[pk]),
        reverse("accounts:clear_override", args=[pk]),
        reverse("accounts:team_add", args=[pk]),
        reverse("accounts:team_remove", args=[pk]),
    ]


@pytest.mark.parametrize("who", ["outsider_kam", "finance_user"])
def test_someone_off_the_account_gets_404_everywhere(client, sales, who):
    account = sales.east_account
    client = as_user(client, getattr(sales, who))
    assert client.get(page_url(account)).status_code == 404
    assert client.get(reverse("accounts:chart", args=[account.pk])).status_code == 404
    for url in edit_urls(account):
        response = client.post(url, {"stage": "trial", "reason": "x", "tier": "diamond"})
        assert response.status_code == 404, url
    assert not AccountTier.objects.filter(account=account).exists()
    assert not history_of(account, "sales_stage").exists()


def test_a_soft_deleted_account_is_not_found(client, sales):
    response = as_user(client, sales.owner_kam).get(page_url(sales.deleted_account))
    assert response.status_code == 404


def test_the_anonymous_visitor_is_sent_to_log_in(client, sales):
    response = client.get(page_url(sales.east_account))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_team_member_may_not_override_tiers_or_change_the_team(client, sales):
    account = sales.east_account
    client = as_user(client, sales.team_specialist)
    override = client.post(
        reverse("accounts:override", args=[account.pk]), {"tier": "diamond", "reason": "big"}
    )
    assert override.status_code == 403
    assert not AccountTier.objects.filter(account=account).exists()
    add = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": sales.finance_user.pk, "role": TeamRole.FINANCE},
    )
    assert add.status_code == 403
    assert not account.team.filter(user=sales.finance_user).exists()


def test_a_regional_manager_edits_only_his_regions_accounts(client, sales):
    client = as_user(client, sales.east_manager)
    east = client.post(
        reverse("accounts:stage", args=[sales.east_account.pk, "sales"]),
        {"sales-stage": SalesStage.TRIAL, "sales-reason": "trial order signed"},
    )
    assert east.status_code == 302
    # he sponsors south_shared, so he sees it, but it is not his region: as a team member he
    # may edit its stages, not manage its team
    team = client.post(
        reverse("accounts:team_add", args=[sales.south_shared.pk]),
        {"user": sales.finance_user.pk, "role": TeamRole.FINANCE},
    )
    assert team.status_code == 403


# ---------------------------------------------------------------- the header and tiers


def test_header_shows_group_subsidiaries_referrals_and_team(client, sales):
    group = services.create_account(name="申华集团", code="G-1", region=sales.east, by=sales.boss)
    account = sales.east_account
    account.parent, account.referred_by = group, sales.south_account
    account.save()
    sub = services.create_account(
        name="申华苏州分厂", code="C-E010", region=sales.east, parent=account, by=sales.boss
    )
    referred = services.create_account(
        name="宁波港务", code="C-E011", region=sales.east, referred_by=account, by=sales.boss
    )
    html = as_user(client, sales.owner_kam).get(page_url(account)).content.decode()
    # the group is named though owner_kam may not open it; no link to a page he would 404 on
    assert "申华集团" in html
    assert reverse("accounts:detail", args=[group.pk]) not in html
    assert "广州珠江医院" in html
    assert reverse("accounts:detail", args=[sales.south_account.pk]) not in html
    # east_manager sees the whole region: subsidiaries and referrals are links for him
    html = as_user(client, sales.east_manager).get(page_url(account)).content.decode()
    for related in (group, sub, referred):
        assert reverse("accounts:detail", args=[related.pk]) in html
    assert "team_specialist" in html  # team members with their role
    with translation.override("zh-hans"):
        assert str(TeamRole.TECHNICAL_LEAD.label) in html


def test_override_with_reason_shows_in_tier_history(client, sales):
    account = sales.east_account
    client = as_user(client, sales.boss)
    response = client.post(
        reverse("accounts:override", args=[account.pk]) + "?year=2025",
        {"tier": "diamond", "reason": "集团战略客户,董事长亲自维护"},
    )
    assert response.status_code == 302
    # the period travels on as the one helper writes it (kam.value.periods)
    assert response["Location"].endswith(page_url(account, period=2025) + "#account-header")
    state = AccountTier.objects.get(account=account)
    assert (state.override_tier, state.overridden_by) == ("diamond", sales.boss)
    change = history_of(account, "tier").get()
    assert (change.new_value, change.changed_by, change.reason) == (
        "diamond",
        sales.boss,
        "集团战略客户,董事长亲自维护",
    )
    html = client.get(page_url(account)).content.decode()
    history = html[html.index('id="tier-history"') :]
    assert "集团战略客户,董事长亲自维护" in history
    assert 'class="tag diamond"' in html


def test_override_without_reason_is_rejected_and_changes_nothing(client, sales):
    account = sales.east_account
    response = as_user(client, sales.boss).post(
        reverse("accounts:override", args=[account.pk]), {"tier": "diamond", "reason": "  "}
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert translation.gettext("Say why the tier is set by hand.") in response.content.decode()
    assert not AccountTier.objects.filter(account=account, override_tier="diamond").exists()
    assert not history_of(account, "tier").exists()


def test_clearing_an_override_goes_back_to_the_computed_tier_with_history(client, sales):
    account = sales.east_account
    client = as_user(client, sales.director)
    client.post(reverse("accounts:override", args=[account.pk]), {"tier": "gold", "reason": "r"})
    response = client.post(
        reverse("accounts:clear_override", args=[account.pk]), {"reason": "data is right"}
    )
    assert response.status_code == 302
    assert AccountTier.objects.get(account=account).override_tier == ""
    assert history_of(account, "tier").first().reason == "data is right"


# ---------------------------------------------------------------- value


def test_value_tab_shows_the_periods_figures(client, sales, english):
    html = as_user(client, sales.owner_kam).get(page_url(sales.east_account, year=2025))
    html = html.content.decode()
    value = html[html.index('id="value-tab"') : html.index('id="stages-tab"')]
    # 2025: revenue Σ(100,000 + n) for n = 12..23 = 1,200,210; cost 840,000
    assert "¥1,200,210.00" in value  # exact revenue in the title of the short figure
    assert "¥360,210.00" in value  # gross profit
    assert "30.0%" in value  # gross margin
    assert "waterfall-option" in value and "trend-option" in value


def test_a_year_without_sales_draws_no_chart(client, sales, english):
    """An account that first bought in 2025, shown on 2024 (a year the company has data):
    no all-zero waterfall and no empty trend, a sentence instead."""
    AccountMonth.objects.filter(account=sales.east_account, month__year=2024).update(
        account=sales.east_other
    )
    bump(ROLLUP, VALUE)
    client = as_user(client, sales.director)
    page = client.get(page_url(sales.east_account, year=2024), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    value = html[html.index('id="value-tab"') : html.index('id="stages-tab"')]
    assert "waterfall-option" not in value and "trend-option" not in value
    assert value.count('class="empty-chart muted">No sales in this period.') == 2


def test_waterfall_labels_hide_rather_than_overlap(client, sales):
    """The waterfall's value labels give way to each other and its step names are turned
    and shortened, so no two labels are drawn over each other."""
    page = as_user(client, sales.owner_kam).get(page_url(sales.east_account, year=2025))
    option = page.context["value"]["waterfall_option"]
    assert option["series"][1]["labelLayout"] == {"hideOverlap": True}
    axis = option["xAxis"]["axisLabel"]
    assert axis["rotate"] and axis["overflow"] == "truncate"


def test_value_tab_shows_unknown_with_the_reason(client, sales, english):
    """Months without cost and without payment data: the margin, the net contribution and
    the receivables read "—" with why, the waterfall is not drawn at zero, and the trend's
    data gives null for the unknown months."""
    AccountMonth.objects.filter(account=sales.east_account, month__year=2025).update(
        uncosted_revenue=F("revenue"), cost=0, tracked_revenue=0, collected=0
    )
    bump(ROLLUP, VALUE)
    client = as_user(client, sales.owner_kam)
    page = client.get(page_url(sales.east_account, year=2025), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    value = html[html.index('id="value-tab"') : html.index('id="stages-tab"')]
    no_cost = "Unknown: the imported data has no cost for this revenue (or part of it)."
    no_payments = "Unknown: the imported data has no payment data for this revenue (or part of it)."
    assert value.count(f'title="{no_cost}"') >= 4  # cost, profit, margin, net contribution
    assert f'title="{no_payments}"' in value  # cash collected, receivables
    assert "(100.0%) have no cost in the imported data" in value
    assert "waterfall-option" not in value and "Not drawn" in value
    assert "Margin unknown: the checks that need the margin" in value
    assert "left out as unknown: Gross profit, Cash collected, Net contribution" in value
    chart = client.get(reverse("accounts:chart", args=[sales.east_account.pk]), {"year": 2025})
    months = {m["month"]: m for m in chart.json()["months"]}
    assert months["2025-06"]["gross_profit"] is None and months["2025-06"]["revenue"] != "0.00"
    assert months["2024-06"]["gross_profit"] == "30005.00"


def test_chart_data_is_the_36_months_up_to_the_period_end(client, sales):
    response = as_user(client, sales.team_specialist).get(
        reverse("accounts:chart", args=[sales.east_account.pk]) + "?year=2025"
    )
    assert response.status_code == 200
    data = response.json()
    months = data["months"]
    assert len(months) == 36
    assert (months[0]["month"], months[-1]["month"]) == ("2023-01", "2025-12")
    assert months[0]["revenue"] == "0.00"  # before the account bought anything
    assert months[12] == {
        "month": "2024-01",
        "revenue": "100000.00",
        "cost": "70000.00",
        "gross_profit": "30000.00",
    }
    assert months[-1]["revenue"] == "100023.00"


def test_no_sales_still_renders(client, cast):
    response = as_user(client, cast.boss).get(page_url(cast.east_other))
    assert response.status_code == 200
    assert 'id="waterfall-chart"' in response.content.decode()


def test_potential_inputs_are_saved_with_history(client, sales):
    account = sales.east_account
    response = as_user(client, sales.owner_kam).post(
        reverse("accounts:potential", args=[account.pk]),
        {
            "wallet": "5000000",
            "share_percent": "25",
            "growth_outlook": "4",
            "influence": "5",
            "referral_power": "",
            "strategic_fit": "3",
            "note": "行业标杆",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#scorecard")
    potential = AccountPotential.objects.get(account=account)
    assert potential.wallet == Decimal("5000000")
    assert potential.share == Decimal("0.25")
    assert (potential.growth_outlook, potential.referral_power) == (4, None)
    assert potential.updated_by == sales.owner_kam
    assert history_of(account, "potential.share").get().new_value == "0.2500"


def test_bad_potential_input_changes_nothing(client, sales):
    account = sales.east_account
    response = as_user(client, sales.owner_kam).post(
        reverse("accounts:potential", args=[account.pk]),
        {"wallet": "-5", "share_percent": "140", "growth_outlook": "9"},
    )
    assert response.status_code == 400
    assert not AccountPotential.objects.filter(account=account).exists()


# ---------------------------------------------------------------- stages


def test_a_stage_move_records_who_from_to_and_why(client, sales):
    account = sales.east_account
    client = as_user(client, sales.owner_kam)
    response = client.post(
        reverse("accounts:stage", args=[account.pk, StageTrack.RELATIONSHIP]),
        {"relationship-stage": RelationshipStage.BASIC, "relationship-reason": "首单已交付"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#stages-tab")
    account.refresh_from_db()
    assert account.relationship_stage == RelationshipStage.BASIC
    change = history_of(account, "relationship_stage").get()
    assert (change.old_value, change.new_value, change.changed_by, change.reason) == (
        RelationshipStage.EXPLORATORY,
        RelationshipStage.BASIC,
        sales.owner_kam,
        "首单已交付",
    )
    html = client.get(page_url(account)).content.decode()
    history = html[html.index('id="stage-history"') :]
    assert "首单已交付" in history and str(sales.owner_kam) in history
    with translation.override("zh-hans"):
        assert str(RelationshipStage.BASIC.label) in history


@pytest.mark.parametrize(
    "data",
    [
        {"sales-stage": SalesStage.TRIAL, "sales-reason": ""},
        {"sales-stage": "bogus", "sales-reason": "because"},
    ],
)
def test_a_stage_move_without_reason_or_to_nowhere_is_rejected(client, sales, data):
    account = sales.east_account
    response = as_user(client, sales.owner_kam).post(
        reverse("accounts:stage", args=[account.pk, StageTrack.SALES]), data
    )
    assert response.status_code == 400
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED
    assert not history_of(account, "sales_stage").exists()


def test_a_stage_skip_on_the_page_asks_for_a_reason_then_keeps_it(client, sales):
    """Jumping from 入围 to 上量 with nothing proven: the page answers with the skipped
    stage and the unproven items, and the move goes through once a reason is given."""
    account = sales.east_account
    client = as_user(client, sales.owner_kam)
    url = reverse("accounts:stage", args=[account.pk, StageTrack.SALES])
    refused = client.post(url, {"sales-stage": SalesStage.VOLUME}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    form = refused.content.decode()
    form = form[form.index('id="sales-stage-form"') :][:4000]
    assert "This move skips Small-batch trial." in form
    assert "Not proven in Qualified supplier" in form and "Financial health shown" in form
    account.refresh_from_db()
    assert account.sales_stage == SalesStage.QUALIFIED
    moved = client.post(url, {"sales-stage": SalesStage.VOLUME, "sales-reason": "集团指定供应商"})
    assert moved.status_code == 302
    change = history_of(account, "sales_stage").get()
    assert (change.new_value, change.reason) == (SalesStage.VOLUME, "集团指定供应商")


def test_the_page_shows_what_a_passed_stage_never_proved(client, sales):
    account = sales.east_account
    services.check_stage_item(
        account, "sales", "qualified", "credentials", done=True, by=sales.owner_kam
    )
    services.change_sales_stage(account, SalesStage.TRIAL, by=sales.owner_kam, reason="先试用")
    html = as_user(client, sales.owner_kam).get(page_url(account), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    track = html[html.index('id="sales-stages"') : html.index('id="sales-stage-form"')]
    warning = track[track.index("Passed without proof") :]
    assert "Qualified supplier:" in warning and "Financial health shown" in warning
    assert "Licences, certifications" not in warning  # ticked
    assert "4 not proven" in html


def test_ticking_a_checklist_item_keeps_the_note_and_history(client, sales):
    account = sales.east_account
    client = as_user(client, sales.team_specialist)
    url = reverse("accounts:check", args=[account.pk])
    item = {"track": "sales", "stage": "qualified", "item": "financials"}
    response = client.post(url, item | {"done": "on", "note": "2025 审计报告已提交"})
    assert response.status_code == 302
    assert response["Location"].endswith("#check-sales-qualified")
    check = StageCheck.objects.get(account=account, **item)
    assert (check.done, check.note, check.checked_by) == (
        True,
        "2025 审计报告已提交",
        sales.team_specialist,
    )
    html = client.get(page_url(account)).content.decode()
    assert "2025 审计报告已提交" in html
    client.post(url, item | {"note": "报告过期"})  # unticked
    check.refresh_from_db()
    assert not check.done
    moves = history_of(account, "stage_check.sales.qualified.financials")
    assert [(c.old_value, c.new_value) for c in moves.order_by("changed_at", "id")] == [
        ("", "done"),
        ("done", ""),
    ]


def test_an_unknown_checklist_item_is_rejected(client, sales):
    response = as_user(client, sales.owner_kam).post(
        reverse("accounts:check", args=[sales.east_account.pk]),
        {"track": "sales", "stage": "qualified", "item": "bribes", "done": "on"},
    )
    assert response.status_code == 400
    assert not StageCheck.objects.exists()


# ---------------------------------------------------------------- team


def test_the_owner_adds_and_removes_team_members_with_history(client, sales):
    account = sales.east_account
    client = as_user(client, sales.owner_kam)
    response = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": sales.finance_user.pk, "role": TeamRole.FINANCE, "department": ""},
    )
    assert response.status_code == 302
    member = account.team.get(user=sales.finance_user)
    assert member.department == "财务部"  # the person's own department
    client.post(reverse("accounts:team_remove", args=[account.pk]), {"member": member.pk})
    assert not account.team.filter(user=sales.finance_user).exists()
    assert [c.new_value for c in history_of(account, "team").order_by("id")] == [
        f"{sales.finance_user.pk}:{TeamRole.FINANCE}",
        "",
    ]


def test_the_owner_cannot_be_removed_from_the_team(client, sales):
    account = sales.east_account
    owner_row = account.team.get(user=sales.owner_kam, role=TeamRole.KAM)
    response = as_user(client, sales.boss).post(
        reverse("accounts:team_remove", args=[account.pk]), {"member": owner_row.pk}
    )
    assert response.status_code == 400
    assert account.team.filter(pk=owner_row.pk).exists()


# ---------------------------------------------------------------- languages


def test_the_page_in_chinese_by_default_and_in_english(client, sales):
    client = as_user(client, sales.owner_kam)
    zh = client.get(page_url(sales.east_account), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="zh-hans">' in zh
    with translation.override("zh-hans"):
        assert str(SalesStage.QUALIFIED.label) in zh
        assert "毛利" in zh
    en = client.get(page_url(sales.east_account), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en
    assert "Qualified supplier" in en
    assert "Gross profit" in en
    assert "What must be proven" in en


# ---------------------------------------------------------------- query count


def _grow(cast, account, numbers: range) -> None:
    """One more of every kind of row the page lists for each number."""
    for i in numbers:
        person = make_user(f"member{account.pk}_{i}", "specialist", department=f"部门{i}")
        services.add_to_team(account, person, TeamRole.OTHER, by=cast.boss)
        services.create_account(name=f"子公司{i}", region=cast.east, parent=account, by=cast.boss)
        services.create_account(
            name=f"转介绍{i}", region=cast.east, referred_by=account, by=cast.boss
        )
        Contact.objects.create(account=account, name=f"联系人{i}", title="经理")
        stage = [SalesStage.TRIAL, SalesStage.VOLUME][i % 2]
        services.change_sales_stage(account, stage, by=cast.boss, reason=f"r{i}")
        services.check_stage_item(
            account,
            "sales",
            "qualified",
            ["credentials", "financials", "operations"][i % 3],
            done=i % 2 == 0,
            note=f"n{i}",
            by=cast.boss,
        )


def _queries(client, account) -> int:
    client.get(page_url(account))  # warm the analysis cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url(account)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["boss", "east_manager"])
def test_the_query_count_does_not_grow_with_the_rows_shown(client, sales, who):
    account = sales.east_account
    client = as_user(client, getattr(sales, who))
    _grow(sales, account, range(1))
    few = _queries(client, account)
    _grow(sales, account, range(1, 7))
    assert _queries(client, account) == few
    # the shell and value 20; people 2, org chart 2, visits 3 and coverage 4 (policy,
    # contacts, sponsors, executive visits) minus what they share with the shell
    assert few <= 26
