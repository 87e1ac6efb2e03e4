"""Loading the demo company into the database, through the services and the importer."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from kam.accounts.choices import TeamRole
from kam.accounts.models import Account, AccountTeamMember, Region
from kam.demo import generator as g
from kam.demo.services import DEMO_PASSWORD, build_demo
from kam.people.models import Contact
from kam.sales.models import AccountMonth, CostToServe, OrderLine
from kam.users.choices import Role
from kam.users.models import User

TINY = 0.02


@pytest.fixture
def built(db):
    return build_demo(scale=TINY)


def test_build_demo_writes_everything(built):
    data = g.generate(seed=2026, scale=TINY)
    lines = sum(1 for _ in data.iter_lines())
    assert built.accounts == Account.objects.count() == len(data.accounts)
    assert built.lines == OrderLine.objects.count() == lines
    assert built.contacts == Contact.objects.count() == len(data.contacts) + len(data.chain.people)
    assert built.costs == CostToServe.objects.count() == len(data.costs)
    assert built.users == User.objects.count() == len(data.users)
    assert Region.objects.filter(code="HD", name="华东").exists()
    assert AccountMonth.objects.exists()
    assert not OrderLine.objects.exclude(source="demo").exists()


def test_every_planted_account_is_in_the_database_with_its_lines(built):
    for code, kind in g.PLANTED.items():
        account = Account.objects.get(code=code)
        assert account.order_lines.exists(), (code, kind)
    group_buy = next(c for c, k in g.PLANTED.items() if k == g.GROUP_BUY)
    orders = OrderLine.objects.filter(account__code=group_buy).values("order_no").distinct()
    assert orders.count() == 1


def test_rollup_matches_the_lines(built):
    from_lines = OrderLine.objects.aggregate(total=Sum("amount"))["total"]
    from_rollup = AccountMonth.objects.aggregate(total=Sum("revenue"))["total"]
    assert from_lines == from_rollup


def test_users_log_in_with_the_demo_password(built):
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.is_staff and boss.role == Role.EXECUTIVE
    assert boss.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="kam01").check_password(DEMO_PASSWORD)
    managers = User.objects.filter(role=Role.REGIONAL_MANAGER)
    assert managers.count() == 6 and not managers.filter(region=None).exists()
    assert {login[0] for login in built.logins} == set(
        User.objects.values_list("username", flat=True)
    )


def test_accounts_have_teams_groups_and_referrals(built):
    assert not Account.objects.filter(owner=None).exists()
    assert AccountTeamMember.objects.filter(role=TeamRole.KAM).count() == Account.objects.count()
    assert AccountTeamMember.objects.filter(role=TeamRole.EXECUTIVE_SPONSOR).exists()
    assert Account.objects.filter(parent__isnull=False).exists()
    assert Account.objects.filter(referred_by__isnull=False).exists()


def test_existing_users_are_kept_untouched(db):
    User.objects.create_user("boss", password="my-own-secret", role=Role.EXECUTIVE)
    summary = build_demo(scale=TINY)
    assert summary.kept_users == ["boss"]
    assert User.objects.get(username="boss").check_password("my-own-secret")
    assert "boss" not in {login[0] for login in summary.logins}


def test_command_loads_once_and_reports_logins(db, settings):
    settings.DEBUG = True  # pytest runs with DEBUG off, where `kam demo` refuses
    out = StringIO()
    call_command("demo", "--scale", str(TINY), stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text and "boss" in text and "kam01" in text
    again = StringIO()
    call_command("demo", "--if-empty", stdout=again)
    assert Account.objects.count() == g.MIN_ACCOUNTS
    assert again.getvalue().strip()
    with pytest.raises(CommandError):
        call_command("demo", "--scale", str(TINY), stdout=StringIO())


def test_command_rejects_a_silly_scale(db):
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "0", stdout=StringIO())


def test_genuine_key_accounts_show_how_they_reached_sole_supplier(built):
    from kam.accounts.choices import SalesStage
    from kam.core.history import history_of

    code = next(code for code, kind in g.PLANTED.items() if kind == g.GENUINE_KEY)
    account = Account.objects.get(code=code)
    moves = list(history_of(account, "sales_stage").order_by("changed_at"))
    assert [m.new_value for m in moves] == [SalesStage.TRIAL, SalesStage.VOLUME, SalesStage.SOLE]
    assert all(m.changed_by == account.owner and m.reason for m in moves)
    assert moves[-1].changed_at.year <= 2025


def test_the_demo_loaded_on_a_day_ends_the_month_before(db):
    from datetime import date

    from django.db.models import Max, Min

    build_demo(scale=TINY, today=date(2026, 12, 1))
    span = OrderLine.objects.aggregate(first=Min("order_date"), last=Max("order_date"))
    assert span["first"] >= date(2023, 12, 1)
    assert date(2026, 11, 1) <= span["last"] <= date(2026, 11, 30)


def test_the_command_builds_the_demo_for_today(db, settings):
    from django.db.models import Max
    from django.utils import timezone

    from kam.value.analytics.periods import add_months

    settings.DEBUG = True
    call_command("demo", "--scale", str(TINY), stdout=StringIO())
    last = OrderLine.objects.aggregate(last=Max("order_date"))["last"]
    assert last.replace(day=1) == add_months(timezone.localdate().replace(day=1), -1)


def test_key_accounts_have_potential_and_proven_stages_entered_through_the_services(built):
    """Scorecard inputs and ticks were made as their owners would make them (history
    names the owner), and no account has passed a stage it did not prove."""
    from kam.accounts import services as account_services
    from kam.accounts.models import StageCheck
    from kam.core.history import history_of
    from kam.value.models import AccountPotential

    data = g.generate(seed=2026, scale=TINY)
    assert AccountPotential.objects.count() == len(data.potentials) > 0
    assert StageCheck.objects.filter(done=True).count() == len(data.checks) > 0
    for potential in AccountPotential.objects.select_related("account"):
        assert potential.updated_by == potential.account.owner
        assert history_of(potential.account, "potential.wallet").get().changed_by == (
            potential.account.owner
        )
    for account in Account.objects.all():
        for track, current in (
            ("sales", account.sales_stage),
            ("relationship", account.relationship_stage),
        ):
            first = account_services.stages.stage_keys(track)[0]
            gap = account_services.stage_gap(account, track, first, current)
            assert not gap.unproven, (account.code, track)
