"""The command line a person can read: `kam --help` lists kam's own commands, every option
says what it does, in the user's language, and a refused import says each problem once."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.utils import translation

from kam.cli import kam_commands
from kam.core.management.base import lang_in, parsers

KAM_COMMANDS = {"import", "analyze", "tiers", "demo", "serve", "invalidate"}


def kam(*args: str, language: str | None = None) -> str:
    """Run `kam ARGS` as a person would, in a terminal set to `language`."""
    env = {k: v for k, v in os.environ.items() if k != "LANGUAGE_CODE"}
    if language:
        env["LANGUAGE_CODE"] = language
    done = subprocess.run(
        [sys.executable, "-m", "kam.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return done.stdout


def listed_commands(text: str) -> dict[str, str]:
    """The command → line rows of the overview's command list."""
    rows = text.split("\n\n")[1].splitlines()[1:]
    return dict(row.strip().split(maxsplit=1) for row in rows)


def test_kam_help_lists_kam_s_own_commands_each_with_its_line_and_not_django_s():
    text = kam("--help", language="en")
    rows = listed_commands(text)
    assert set(rows) == set(kam_commands()) >= KAM_COMMANDS
    assert rows["import"].startswith("Import order lines exported from an ERP")
    assert rows["demo"].startswith("Create a demo company")
    assert all(line.strip() for line in rows.values())
    for django_command in ("runserver", "makemigrations", "dbshell", "flush", "[auth]"):
        assert django_command not in text
    assert "kam help --all" in text  # where Django's commands are


def test_kam_help_all_lists_django_s_commands_too():
    text = kam("help", "--all", language="en")
    assert "migrate" in text and "makemigrations" in text and "import" in text


def test_help_follows_the_language_setting_or_lang():
    chinese = kam("--help", language="zh-hans")
    assert "kam 的命令" in chinese and "创建一家演示公司" in chinese
    assert "kam's commands" in kam("--help", "--lang", "en", language="zh-hans")
    one = kam("import", "orders", "--help", "--lang", "en", language="zh-hans")
    assert "check the file and say what the import would do" in one
    assert "导入从 ERP 导出的订单明细" in kam("help", "import", language="zh-hans")


def _options_without_help(language: str) -> list[str]:
    missing = []
    with translation.override(language):
        for name, app in kam_commands().items():
            parser = load_command_class(app, name).create_parser("kam", name)
            for each in parsers(parser):
                for action in each._actions:
                    if action.help == argparse.SUPPRESS:
                        continue
                    if not str(action.help or "").strip():
                        missing.append(
                            f"{each.prog} {'/'.join(action.option_strings) or action.dest}"
                        )
    return missing


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_option_of_kam_s_commands_has_help(language):
    assert _options_without_help(language) == []


def test_option_help_is_in_the_active_language():
    """Django builds the parser when the command runs; kam's help texts are translated then."""
    for language, dry_run, verbosity in (
        ("zh-hans", "只检查文件并说明导入的结果，不写入任何数据", "输出多少信息"),
        ("en", "check the file and say what the import would do; write nothing", "How much"),
    ):
        with translation.override(language):
            parser = load_command_class("kam.sales", "import").create_parser("kam", "import")
        orders = parsers(parser)[1]
        assert {a.dest: a.help for a in orders._actions}["dry_run"] == dry_run
        assert {a.dest: a.help for a in parser._actions}["verbosity"].startswith(verbosity)


@pytest.mark.parametrize(
    ("argv", "lang", "rest"),
    [
        (["import", "orders", "f.csv", "--lang", "en"], "en", ["import", "orders", "f.csv"]),
        (["--lang=zh-hans", "--help"], "zh-hans", ["--help"]),
        (["demo", "--lang", "fr"], None, ["demo", "--lang", "fr"]),  # left for the parser
        (["demo"], None, ["demo"]),
    ],
)
def test_lang_is_found_anywhere_on_the_command_line(argv, lang, rest):
    assert lang_in(argv) == (lang, rest)


def test_a_refused_import_prints_each_problem_once(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "客户编码,客户名称,单据编号,日期,金额\nC1,甲,X1,2025-13-45,100\nC2,乙,X2,2025-01-02,abc\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import", "orders", str(path), "--dry-run", "--lang", "en", stderr=err)
    printed = err.getvalue() + "\n" + str(refused.value)
    assert printed.count("The import was refused") == 1
    assert printed.count("2025-13-45") == 1 and printed.count('"abc"') == 1
    assert printed.count("is not a number or an amount of money") == 1
