"""The access layer's rules, cast by cast: the one table every entry point relies on.

Each account action is checked three ways that must agree: `may()` on the object,
`Account.objects.restrict()` as a queryset, and the rule through an owned model
(contacts), so a page, a list and an export can never disagree about who may do what.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kam.accounts import access
from kam.accounts.access import Action
from kam.accounts.models import Account
from kam.people.models import Contact

from .role_table import ACCOUNTS, COMPANY, EXPECTED, M


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_account_action_follows_the_role_table(cast, username):
    user = getattr(cast, username)
    for name in ACCOUNTS:
        account = getattr(cast, name)
        allowed = EXPECTED[username].get(name, set())
        for action in access.ACCOUNT_ACTIONS:
            assert access.may(user, action, account) == (action in allowed), (name, action)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_the_queryset_agrees_with_the_object_check(cast, username):
    user = getattr(cast, username)
    for action in access.ACCOUNT_ACTIONS:
        listed = set(
            Account.objects.restrict(user, action, with_deleted=True).values_list("name", flat=True)
        )
        # deleted rows come along only for those who may restore them
        wanted = {name: (M if name == "deleted_account" else action) for name in ACCOUNTS}
        expected = {
            getattr(cast, name).name
            for name in ACCOUNTS
            if access.may(user, wanted[name], getattr(cast, name))
        }
        assert listed == expected, action


def test_rows_of_an_account_follow_it(cast):
    for name in ACCOUNTS:
        Contact.objects.create(account=getattr(cast, name), name=f"联系人 {name}")
    for username, allowed in EXPECTED.items():
        user = getattr(cast, username)
        seen = set(Contact.objects.restrict(user).values_list("account__code", flat=True))
        alive = {getattr(cast, n).code for n, acts in allowed.items() if n != "deleted_account"}
        assert seen == alive, username


@pytest.mark.parametrize("action", sorted(COMPANY))
def test_company_actions(cast, action):
    for username in EXPECTED:
        assert access.may(getattr(cast, username), action) == (username in COMPANY[action])


def test_nobody_inactive_or_anonymous_may_do_anything(cast):
    from django.contrib.auth.models import AnonymousUser

    cast.boss.is_active = False
    for user in (cast.boss, AnonymousUser(), None):
        assert not Account.objects.restrict(user).exists()
        for action in access.ACCOUNT_ACTIONS:
            assert not access.may(user, action, cast.east_account)
        for action in access.COMPANY_ACTIONS:
            assert not access.may(user, action)


def test_the_getter_answers_404_when_hidden_and_403_when_seen_but_not_allowed(cast):
    pk = cast.east_account.pk
    assert access.get_account(cast.team_specialist, pk) == cast.east_account
    with pytest.raises(PermissionDenied):
        access.get_account(cast.team_specialist, pk, Action.MANAGE_TEAM)
    with pytest.raises(Http404):
        access.get_account(cast.outsider_kam, pk, Action.VIEW)
    with pytest.raises(Http404):  # a deleted account is gone from the pages …
        access.get_account(cast.boss, cast.deleted_account.pk)
    # … but whoever may restore it still finds it for that
    assert access.get_account(cast.east_manager, cast.deleted_account.pk, M)
    with pytest.raises(Http404):
        access.get_account(cast.owner_kam, cast.deleted_account.pk, M)


def test_a_changed_role_or_region_changes_the_scope_key(cast):
    user = cast.east_manager
    before = access.scope_key(user)
    user.region = cast.south
    assert access.scope_key(user) != before
    moved = access.scope_key(user)
    user.role = "kam"
    assert access.scope_key(user) != moved
    assert access.scope_key(None) == ("nobody",)
