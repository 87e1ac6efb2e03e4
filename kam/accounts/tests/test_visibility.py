"""Who sees which account: the rules of Account.objects.visible_to, one role at a time."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kam.accounts import services
from kam.accounts.choices import TeamRole
from kam.accounts.models import Account
from kam.people.models import Contact

pytestmark = pytest.mark.django_db


def visible(user) -> set[str]:
    return set(Account.objects.restrict(user).values_list("code", flat=True))


ALIVE = {"C-E001", "C-E002", "C-S001", "C-S002"}


def test_owner_sees_own_accounts_only(cast):
    assert visible(cast.owner_kam) == {"C-E001"}


def test_team_member_sees_the_teams_account(cast):
    assert visible(cast.team_specialist) == {"C-E001"}


def test_outsider_sees_nothing_of_another_kams_accounts(cast):
    assert visible(cast.outsider_kam) == {"C-S001", "C-S002"}
    assert not Account.objects.restrict(cast.outsider_kam).filter(pk=cast.east_account.pk)


def test_regional_manager_sees_region_and_own_teams(cast):
    # 华东 in full, plus the 华南 account he sponsors, but not the other 华南 account.
    assert visible(cast.east_manager) == {"C-E001", "C-E002", "C-S002"}


def test_regional_manager_without_region_sees_only_own_teams(cast):
    cast.east_manager.region = None
    cast.east_manager.save()
    assert visible(cast.east_manager) == {"C-S002"}


@pytest.mark.parametrize("who", ["boss", "director"])
def test_executive_and_director_see_the_whole_portfolio(cast, who):
    assert visible(getattr(cast, who)) == ALIVE


def test_superuser_of_any_role_sees_everything(cast):
    cast.finance_user.is_superuser = True
    cast.finance_user.save()
    assert visible(cast.finance_user) == ALIVE


def test_finance_on_no_team_sees_nothing(cast):
    assert visible(cast.finance_user) == set()


def test_finance_on_a_team_sees_that_account(cast):
    services.add_team_member(cast.south_account, cast.finance_user, TeamRole.FINANCE)
    assert visible(cast.finance_user) == {"C-S001"}


def test_anonymous_and_none_see_nothing(cast):
    assert visible(AnonymousUser()) == set()
    assert visible(None) == set()


@pytest.mark.parametrize("who", ["boss", "owner_kam", "east_manager"])
def test_inactive_user_sees_nothing(cast, who):
    user = getattr(cast, who)
    user.is_active = False
    user.save()
    assert visible(user) == set()


@pytest.mark.parametrize(
    "who",
    ["boss", "director", "east_manager", "owner_kam", "team_specialist", "outsider_kam"],
)
def test_soft_deleted_account_is_hidden_from_everyone(cast, who):
    # owner_kam owns it, team_specialist is on its team, it lies in east_manager's region.
    assert "C-E999" not in visible(getattr(cast, who))


def test_restored_account_is_visible_again(cast):
    services.restore_account(cast.deleted_account, by=cast.boss)
    assert visible(cast.owner_kam) == {"C-E001", "C-E999"}


def test_visible_to_is_one_query_and_distinct(cast, django_assert_num_queries):
    # Two team roles on the same account must not duplicate it.
    services.add_team_member(cast.east_account, cast.team_specialist, TeamRole.SERVICE_LEAD)
    with django_assert_num_queries(1):
        codes = list(Account.objects.restrict(cast.team_specialist).values_list("code", flat=True))
    assert codes == ["C-E001"]


@pytest.fixture
def contacts(cast):
    def add(account, name, **fields):
        return Contact.objects.create(account=account, name=name, **fields)

    return {
        "east": add(cast.east_account, "王总", title="总经理"),
        "east_gone": add(cast.east_account, "李工"),
        "east_other": add(cast.east_other, "赵厂长"),
        "south": add(cast.south_account, "陈主任"),
        "deleted_account": add(cast.deleted_account, "周经理"),
    }


def visible_contacts(user) -> set[str]:
    return set(Contact.objects.restrict(user).values_list("name", flat=True))


def test_contacts_follow_their_accounts(cast, contacts):
    contacts["east_gone"].soft_delete()
    assert visible_contacts(cast.owner_kam) == {"王总"}
    assert visible_contacts(cast.team_specialist) == {"王总"}
    assert visible_contacts(cast.east_manager) == {"王总", "赵厂长"}
    assert visible_contacts(cast.outsider_kam) == {"陈主任"}
    assert visible_contacts(cast.finance_user) == set()
    assert visible_contacts(AnonymousUser()) == set()
    # The portfolio sees every living contact of every living account.
    assert visible_contacts(cast.boss) == {"王总", "赵厂长", "陈主任"}
    assert visible_contacts(cast.director) == {"王总", "赵厂长", "陈主任"}
