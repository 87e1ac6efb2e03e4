"""The `kam` command: kam's own commands (import, analyze, tiers, demo, serve, …) and,
behind them, Django's (migrate, createsuperuser, …).

`kam`, `kam --help` and `kam help` list kam's own commands with a line each; Django's
are listed by `kam help --all`. `kam help COMMAND` and `kam COMMAND --help` explain one
command. Help and output are in the LANGUAGE_CODE setting's language, or `--lang`.
"""

import os
import sys

OVERVIEW = ([], ["-h"], ["--help"], ["help"])


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv[1:] if argv is None else argv)
    if _overview(argv):
        return
    if argv[:2] == ["help", "--all"]:
        argv = ["help", *argv[2:]]  # Django's listing of every command
    elif argv[:1] == ["help"] and len(argv) > 1:
        argv = _help_of_one(argv)
    execute_from_command_line(["kam", *argv])


def _help_of_one(argv: list[str]) -> list[str]:
    """`kam help COMMAND` of a kam command is `kam COMMAND --help`, so that it is in the
    user's language (`--lang` included) like the command itself."""
    import django

    from kam.core.management.base import lang_in

    lang, rest = lang_in(argv)
    django.setup()
    if len(rest) == 2 and rest[1] in kam_commands():
        return [rest[1], "--help", *(["--lang", lang] if lang else [])]
    return argv


def _overview(argv: list[str]) -> bool:
    """Print kam's own commands, when that is what was asked for."""
    import django
    from django.conf import settings
    from django.utils import translation

    from kam.core.management.base import lang_in

    lang, rest = lang_in(argv)
    if rest not in OVERVIEW:
        return False
    django.setup()
    with translation.override(lang or settings.LANGUAGE_CODE):
        sys.stdout.write(overview_text())
    return True


def kam_commands() -> dict[str, str]:
    """kam's own commands (those of kam's apps), name → the app they live in."""
    from django.core.management import get_commands

    return {
        name: app
        for name, app in sorted(get_commands().items())
        if app == "kam" or app.startswith("kam.")
    }


def summary_line(name: str, app: str) -> str:
    """A command's help on one line, in the active language."""
    from django.core.management import load_command_class

    return " ".join(str(load_command_class(app, name).help or "").split())


def overview_text() -> str:
    from django.utils.translation import gettext as _

    commands = kam_commands()
    width = max((len(name) for name in commands), default=0)
    lines = [
        _("Usage: kam COMMAND [OPTIONS]"),
        "",
        _("kam's commands:"),
        *(f"  {name:<{width}}  {summary_line(name, app)}" for name, app in commands.items()),
        "",
        _("kam help COMMAND (or kam COMMAND --help) explains a command and its options."),
        _(
            "Help and output are in the language of the LANGUAGE_CODE setting; "
            "--lang zh-hans or --lang en chooses another."
        ),
        _("Django's own commands (migrate, createsuperuser, collectstatic, …): kam help --all."),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
