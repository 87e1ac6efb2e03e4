"""A small named cast for tests, built through the real service functions.

Who is who (regions 华东 and 华南):

- ``boss``: executive and superuser, sees everything.
- ``director``: key account director, sees everything.
- ``east_manager``: regional manager of 华东; sees 华东 plus the accounts whose team he is on
  (he sponsors ``south_shared``).
- ``owner_kam``: KAM in 华东 who owns ``east_account`` (and the soft-deleted ``deleted_account``).
- ``team_specialist``: technical lead on the team of ``east_account``.
- ``outsider_kam``: KAM in 华南 who owns ``south_account`` and ``south_shared``.
- ``finance_user``: finance, on no team, so sees no account.

Accounts: ``east_account`` and ``east_other`` (华东, the latter owned by nobody),
``south_account`` and ``south_shared`` (华南), ``deleted_account`` (华东, soft-deleted).

Every user's password is ``CAST_PASSWORD``.
"""

from types import SimpleNamespace

import pytest

from kam.accounts import services as account_services
from kam.accounts.choices import TeamRole
from kam.users.choices import Role

CAST_PASSWORD = "cast-password-1"


def pytest_configure(config):
    """Whitenoise warns on every request until the static root exists; `make` creates it."""
    from django.conf import settings

    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs ~0.3 s a user; tests need no real security."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    """Snapshots and uploads go to the test's own folder, never the developer's var/; and no
    analysis cached in this process by an earlier test is served to this one."""
    from kam.value import portfolio

    settings.VAR_DIR = tmp_path / "var"
    imports = {
        **settings.STORAGES["imports"],
        "OPTIONS": {"location": str(tmp_path / "var" / "uploads")},
    }
    settings.STORAGES = {**settings.STORAGES, "imports": imports}
    portfolio.clear()


@pytest.fixture
def english():
    """Messages in English for tests that read them (the default language is zh-hans)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def make_user(username: str, role: str, *, region=None, **extra):
    from kam.users.models import User

    return User.objects.create_user(
        username=username,
        password=CAST_PASSWORD,
        email=f"{username}@example.com",
        role=role,
        region=region,
        **extra,
    )


@pytest.fixture
def cast(db):
    east = account_services.get_or_create_region("华东")
    south = account_services.get_or_create_region("华南")

    boss = make_user(
        "boss", Role.EXECUTIVE, first_name="Lao", last_name="Ban", is_staff=True, is_superuser=True
    )
    director = make_user("director", Role.KA_DIRECTOR)
    east_manager = make_user("east_manager", Role.REGIONAL_MANAGER, region=east)
    owner_kam = make_user("owner_kam", Role.KAM, region=east)
    team_specialist = make_user("team_specialist", Role.SPECIALIST, department="技术部")
    outsider_kam = make_user("outsider_kam", Role.KAM, region=south)
    finance_user = make_user("finance_user", Role.FINANCE, department="财务部")

    east_account = account_services.create_account(
        name="上海申华机械有限公司", code="C-E001", region=east, owner=owner_kam, by=boss
    )
    account_services.add_team_member(east_account, team_specialist, TeamRole.TECHNICAL_LEAD)
    east_other = account_services.create_account(
        name="杭州西湖食品厂", code="C-E002", region=east, by=boss
    )
    south_account = account_services.create_account(
        name="广州珠江医院", code="C-S001", region=south, owner=outsider_kam, by=boss
    )
    south_shared = account_services.create_account(
        name="深圳南山银行", code="C-S002", region=south, owner=outsider_kam, by=boss
    )
    account_services.add_team_member(south_shared, east_manager, TeamRole.EXECUTIVE_SPONSOR)
    deleted_account = account_services.create_account(
        name="苏州旧客户有限公司", code="C-E999", region=east, owner=owner_kam, by=boss
    )
    account_services.add_team_member(deleted_account, team_specialist, TeamRole.SERVICE_LEAD)
    account_services.delete_account(deleted_account, by=boss, reason="duplicate")
    deleted_account.refresh_from_db()

    return SimpleNamespace(
        east=east,
        south=south,
        boss=boss,
        director=director,
        east_manager=east_manager,
        owner_kam=owner_kam,
        team_specialist=team_specialist,
        outsider_kam=outsider_kam,
        finance_user=finance_user,
        east_account=east_account,
        east_other=east_other,
        south_account=south_account,
        south_shared=south_shared,
        deleted_account=deleted_account,
    )


@pytest.fixture
def boss(cast):
    return cast.boss


@pytest.fixture
def director(cast):
    return cast.director


@pytest.fixture
def east_manager(cast):
    return cast.east_manager


@pytest.fixture
def owner_kam(cast):
    return cast.owner_kam


@pytest.fixture
def team_specialist(cast):
    return cast.team_specialist


@pytest.fixture
def outsider_kam(cast):
    return cast.outsider_kam


@pytest.fixture
def finance_user(cast):
    return cast.finance_user


@pytest.fixture
def boss_client(client, cast):
    client.force_login(cast.boss)
    return client


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file of this test session, not Django's shared
    in-memory one: threads that write at the same time (kam/core/tests/test_concurrency.py)
    need SQLite's real locking, which a shared-cache memory database replaces with "table
    is locked" errors. A fresh folder per session, so parallel runs never share it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
