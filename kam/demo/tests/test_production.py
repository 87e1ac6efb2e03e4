"""`kam demo` cannot hurt a real installation: nothing with DEBUG off, nothing over existing
users unless forced, and forced only with generated passwords. Run as `make run` runs it: a
fresh interpreter with its own environment and its own SQLite database."""

import json
import re

import pytest

from kam.core.tests.test_settings import kam, production_env
from kam.demo.generator import DEMO_PASSWORD

pytestmark = pytest.mark.slow

SCALE = ("--scale", "0.02")

CHECK_LOGINS = """
import json
from django.contrib.auth import authenticate
from django.test import RequestFactory
from kam.users.models import User

def works(username, password):
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=username, password=password) is not None

tried = json.loads({tried!r})
print(json.dumps({{"users": User.objects.count(), "works": [works(u, p) for u, p in tried]}}))
"""


def run(tmp_path, *args, **env):
    """`kam ARGS` on the SQLite database in tmp_path (never the DATABASE_URL of the test
    run), messages in English."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kam.sqlite3'}", "LANGUAGE_CODE": "en", **env}
    return kam(*args, tmp_path=tmp_path, **env)


def migrated(tmp_path, **env):
    result = run(tmp_path, "migrate", "--noinput", "-v", "0", **env)
    assert result.returncode == 0, result.stderr
    return env


def add_admin(tmp_path, **env):
    code = "from kam.users.models import User; User.objects.create_superuser('admin', password='Admin-own-secret-9')"
    result = run(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr


def check_logins(tmp_path, tried=(), **env) -> dict:
    code = CHECK_LOGINS.format(tried=json.dumps(list(tried)))
    result = run(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_off_loads_no_demo_with_or_without_users(tmp_path):
    env = migrated(tmp_path, **production_env())
    refused = run(tmp_path, "demo", *SCALE, **env)
    assert refused.returncode != 0
    assert "DEBUG is off" in refused.stderr
    quiet = run(tmp_path, "demo", "--if-empty", *SCALE, **env)  # what `make run` calls
    assert quiet.returncode == 0, quiet.stderr
    assert "DEBUG is off" in quiet.stdout
    assert check_logins(tmp_path, **env)["users"] == 0
    add_admin(tmp_path, **env)  # a real installation: `make run` still serves, without demo
    quiet = run(tmp_path, "demo", "--if-empty", *SCALE, **env)
    assert quiet.returncode == 0, quiet.stderr
    assert check_logins(tmp_path, **env)["users"] == 1


def test_existing_users_refuse_the_demo_unless_forced_and_then_get_generated_passwords(
    tmp_path,
):
    migrated(tmp_path)
    add_admin(tmp_path)
    refused = run(tmp_path, "demo", *SCALE)
    assert refused.returncode != 0
    assert "already has users" in refused.stderr and "--force" in refused.stderr
    quiet = run(tmp_path, "demo", "--if-empty", *SCALE)
    assert quiet.returncode == 0 and "already has users" in quiet.stdout
    assert check_logins(tmp_path)["users"] == 1

    forced = run(tmp_path, "demo", "--force", *SCALE)
    assert forced.returncode == 0, forced.stderr
    assert "generated passwords" in forced.stdout
    assert DEMO_PASSWORD not in forced.stdout
    printed = dict(re.findall(r"^  (boss|kam01)\s+(\S{16})\s", forced.stdout, re.MULTILINE))
    assert set(printed) == {"boss", "kam01"} and printed["boss"] != printed["kam01"]
    tried = [("boss", printed["boss"]), ("kam01", printed["kam01"]), ("boss", DEMO_PASSWORD)]
    checked = check_logins(tmp_path, tried)
    assert checked["works"] == [True, True, False]
    assert checked["users"] > 30
