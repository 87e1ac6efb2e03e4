"""Settings come from the environment: production fails loudly, defaults suit a Chinese company."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

# Variables a developer's shell (or CI) may set that would change what these tests see.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "TIME_ZONE",
    "LANGUAGE_CODE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_SETTINGS_MODULE",
    "KAM_ANONYMOUS_MAX_BODY_BYTES",
]


def kam(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Run `kam ARGS` in a fresh interpreter with a clean settings environment plus ENV."""
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ["KAM_VAR_DIR"] = str(tmp_path)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "kam.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "kam.example.com",
        **extra,
    }


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = kam("check", tmp_path=tmp_path, DEBUG="false", ALLOWED_HOSTS="kam.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    env = production_env()
    del env["ALLOWED_HOSTS"]
    result = kam("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = kam(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PRINT_SECURITY = (
    "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_SSL_REDIRECT, s.SECURE_REFERRER_POLICY, s.SECURE_CROSS_ORIGIN_OPENER_POLICY, "
    "s.X_FRAME_OPTIONS, s.SECURE_PROXY_SSL_HEADER[0])"
)


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    """What check --deploy does not insist on but kam promises (docs/en/admin.md)."""
    result = kam(
        "shell", "--no-imports", "-c", PRINT_SECURITY, tmp_path=tmp_path, **production_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "same-origin",
        "same-origin",
        "DENY",
        "HTTP_X_FORWARDED_PROTO",
    ]


def test_development_needs_no_environment(tmp_path):
    result = kam("check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


PRINT_SETTINGS = "from django.conf import settings; print(settings.TIME_ZONE, settings.LANGUAGE_CODE, settings.KAM_CURRENCY)"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "Asia/Shanghai zh-hans CNY"),
        (
            {"TIME_ZONE": "Europe/Berlin", "LANGUAGE_CODE": "en", "KAM_CURRENCY": "EUR"},
            "Europe/Berlin en EUR",
        ),
    ],
    ids=["defaults", "from-environment"],
)
def test_time_zone_language_and_currency(tmp_path, env, expected):
    result = kam("shell", "--no-imports", "-c", PRINT_SETTINGS, tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_test_run_uses_the_chinese_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_currency_must_be_an_iso_4217_code(tmp_path):
    """A typo such as KAM_CURRENCY=RMB stops kam at start, naming the setting, instead of
    showing "RMB 1,234.00" on every page."""
    result = kam("check", tmp_path=tmp_path, KAM_CURRENCY="RMB")
    assert result.returncode != 0
    assert "KAM_CURRENCY" in result.stderr and "ISO 4217" in result.stderr
    lower = kam(
        "shell", "--no-imports", "-c", PRINT_SETTINGS, tmp_path=tmp_path, KAM_CURRENCY="usd"
    )
    assert lower.stdout.strip().endswith(" USD"), lower.stderr
