"""Every user-facing string has a Simplified Chinese translation.

Chinese is kam's default language, so an English string in the UI is a bug. The catalogue is
regenerated with `makemessages` from the current sources in a copy of the package (the working
tree is left alone), and every entry must be translated and not fuzzy. When this fails, run

    cd kam && ../.venv/bin/kam makemessages -l zh_Hans --no-obsolete --ignore 'tests/*' --ignore '*/tests/*'

translate the entries listed in the failure in kam/locale/zh_Hans/LC_MESSAGES/django.po, drop
their `#, fuzzy` flag, and run `make messages`.

An entry that turns fuzzy again at every run is usually a literal "%" that xgettext reads as a
Python format directive ("100% or more" holds "% o"): put the comment `# xgettext:no-python-format`
on the line above that string in the source, and the flag `#, no-python-format` on its entry.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import kam

PACKAGE_DIR = Path(kam.__file__).resolve().parent
PO_RELATIVE = Path("locale", "zh_Hans", "LC_MESSAGES", "django.po")
REPO_PO = PACKAGE_DIR / PO_RELATIVE
GETTEXT_TOOLS = ("msgfmt", "xgettext", "msgmerge", "msguniq")
MISSING_TOOLS = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]

pytestmark = pytest.mark.skipif(
    bool(MISSING_TOOLS),
    reason=(
        f"GNU gettext is not installed (missing: {', '.join(MISSING_TOOLS)}); "
        "`make system-packages` installs it"
    ),
)


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def label(self) -> str:
        text = repr(self.msgid)
        return f"{self.msgctxt!r} | {text}" if self.msgctxt is not None else text


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(text: str) -> list[Entry]:
    """The entries of a PO file (the header, msgid "", excluded). Enough of the format for
    files written by xgettext/msgmerge: comments, flags, contexts, plurals, continued strings."""
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None

    def finish() -> None:
        if started and entry.msgid != "":
            entries.append(entry)

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,"):
                if target is not None and target[0] == "msgstr":
                    finish()
                    entry, started, target = Entry(), False, None
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.groups()
            value = _unquote(value)
            if name in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                flags = entry.flags if not started else set()
                finish()
                entry, started = Entry(flags=flags), False
            if name == "msgctxt":
                entry.msgctxt, target = value, ("msgctxt", 0)
            elif name == "msgid":
                entry.msgid, started, target = value, True, ("msgid", 0)
            elif name == "msgid_plural":
                entry.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                number = int(index) if index is not None else 0
                entry.msgstrs[number], target = value, ("msgstr", number)
            entry.obsolete = obsolete
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and target is not None:
            value = _unquote(continuation.group(1))
            kind, number = target
            if kind == "msgstr":
                entry.msgstrs[number] += value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgctxt = (entry.msgctxt or "") + value
    finish()
    return entries


def _msgfmt_statistics(path: Path) -> str:
    """msgfmt's own count, e.g. "240 translated messages, 1 fuzzy translation, 2 untranslated
    messages." (it writes it on stderr)."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert result.returncode == 0, f"msgfmt --check failed on {path}:\n{result.stderr}"
    return result.stderr.strip()


def _count(statistics: str, kind: str) -> int:
    match = re.search(rf"(\d+) {kind}", statistics)
    return int(match.group(1)) if match else 0


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_parse_po_reads_flags_plurals_and_continued_strings():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid "a %(x)s"\nmsgstr "甲 %(x)s"\n\n'
        'msgid ""\n"long "\n"text"\nmsgstr ""\n\n'
        'msgctxt "menu"\nmsgid "one \\"q\\""\nmsgid_plural "many"\nmsgstr[0] "多"\n'
    )
    assert [e.msgid for e in entries] == ["a %(x)s", "long text", 'one "q"']
    assert entries[0].flags == {"fuzzy", "python-format"}
    assert entries[1].msgstrs == {0: ""} and not entries[1].flags
    assert entries[2].msgctxt == "menu" and entries[2].msgid_plural == "many"
    assert entries[2].msgstrs == {0: "多"}


def test_repository_catalogue_compiles_cleanly():
    """The committed .po passes msgfmt's format and header checks (what compilemessages uses)."""
    statistics = _msgfmt_statistics(REPO_PO)
    assert _count(statistics, "translated") > 0, statistics


def test_every_user_facing_string_has_a_chinese_translation(tmp_path):
    copy = tmp_path / "kam"
    shutil.copytree(
        PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    )
    copy_po = copy / PO_RELATIVE
    repo_before = _digest(REPO_PO)

    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "KAM_VAR_DIR": str(tmp_path / "var"),
        "LC_ALL": "C.UTF-8",
    }
    imported = subprocess.run(
        [sys.executable, "-c", "import kam.settings as s; print(s.LOCALE_PATHS[0])"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr
    assert Path(imported.stdout.strip()).resolve() == (copy / "locale").resolve(), (
        f"the subprocess imports kam from {imported.stdout.strip()}, not from the copy"
    )

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "tests/*",
            "--ignore",
            "*/tests/*",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert _digest(REPO_PO) == repo_before, "makemessages wrote to the working tree"
    # (makemessages leaves a catalogue alone when only its creation date would change, so
    # the copy's file may be byte-identical: LOCALE_PATHS above shows which one it used.)

    entries = [e for e in parse_po(copy_po.read_text(encoding="utf-8")) if not e.obsolete]
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    untranslated = [
        e.label
        for e in entries
        if "fuzzy" not in e.flags and (not e.msgstrs or not all(e.msgstrs.values()))
    ]
    statistics = _msgfmt_statistics(copy_po)
    problems = []
    if fuzzy:
        problems.append(f"{len(fuzzy)} fuzzy (check, then drop the flag):\n  " + "\n  ".join(fuzzy))
    if untranslated:
        problems.append(f"{len(untranslated)} untranslated:\n  " + "\n  ".join(untranslated))
    assert not problems, (
        f"{REPO_PO.relative_to(PACKAGE_DIR.parent)} is behind the sources ({statistics})\n"
        + "\n".join(problems)
    )
    # msgfmt's own count agrees with the parser above.
    assert _count(statistics, "fuzzy") == 0, statistics
    assert _count(statistics, "untranslated") == 0, statistics
    assert _count(statistics, "translated") == len(entries), statistics
