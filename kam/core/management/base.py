"""What every kam command shares: help and output in the user's language.

Django builds a command's argparse parser when the command runs, so help texts taken
through gettext in `add_arguments` come out in whatever language is active then. A kam
command therefore activates its language before the parser is built: `--lang` (anywhere
on the command line, also after a sub-command such as `kam import orders FILE --lang en`),
else the LANGUAGE_CODE setting. Django's own options (--verbosity, --settings …) get
their help in that language too.
"""

from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, DjangoHelpFormatter
from django.utils import translation
from django.utils.translation import gettext as _

LANGUAGES = ("zh-hans", "en")


def lang_in(argv: list[str]) -> tuple[str | None, list[str]]:
    """The `--lang X` (or `--lang=X`) of a command line, and the line without it.
    An unknown language is left in place, so the parser refuses it with its choices."""
    rest, lang = [], None
    words = iter(argv)
    for word in words:
        if word == "--lang":
            value = next(words, None)
            if value is not None and value.lower() in LANGUAGES:
                lang = value.lower()
            else:
                rest += [word] if value is None else [word, value]
            continue
        if word.startswith("--lang=") and word.partition("=")[2].lower() in LANGUAGES:
            lang = word.partition("=")[2].lower()
            continue
        rest.append(word)
    return lang, rest


def django_option_help() -> dict[str, str]:
    """Django's options of every command, explained in the active language."""
    return {
        "verbosity": _("How much to print: 0 nothing, 1 normal, 2 more, 3 everything."),
        "settings": _("Python path of a settings module, e.g. kam.settings."),
        "pythonpath": _("A directory to add to the Python path."),
        "traceback": _("Show the full Python traceback of an error."),
        "no_color": _("Do not colour the output."),
        "force_color": _("Colour the output even when it does not go to a terminal."),
        "skip_checks": _("Skip Django's system checks."),
        "help": _("Show this help and exit."),
        "version": _("Show the version of Django and exit."),
    }


class KamHelpFormatter(DjangoHelpFormatter):
    """Django's help layout, its "usage:" in the user's language too."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and, depth first, those of its sub-commands (`kam import orders`)."""
    out = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                out += parsers(sub)
    return out


class KamCommand(BaseCommand):
    """A kam command: its help and output in the user's language (`--lang` or the
    LANGUAGE_CODE setting). Subclasses write `help` with gettext_lazy and the help of
    their options with gettext, as add_arguments runs with the language active."""

    lang: str | None = None

    def run_from_argv(self, argv):
        self.lang, argv = lang_in(list(argv))
        with translation.override(self.lang or settings.LANGUAGE_CODE):
            return super().run_from_argv(argv)

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", KamHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = str(self.help) if self.help else None
        explained = django_option_help()
        for each in parsers(parser):
            each.formatter_class = KamHelpFormatter
            each._positionals.title = _("positional arguments")
            each._optionals.title = _("options")
            for action in each._actions:
                if action.dest in explained:
                    action.help = explained[action.dest]
        if not any("--lang" in action.option_strings for action in parser._actions):
            parser.add_argument(
                "--lang",
                choices=LANGUAGES,
                help=_("Language of the help and the output (default: the LANGUAGE_CODE setting)."),
            )
        return parser

    def execute(self, *args, **options):
        lang = options.get("lang") or self.lang
        if lang:
            options["lang"] = lang
        with translation.override(lang or translation.get_language() or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
