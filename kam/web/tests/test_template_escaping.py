"""No template switches Django's escaping off: `|safe`, `|safeseq` and `{% autoescape off %}`
would print customer names, notes or file names as HTML (stored XSS). `mark_safe` in Python
is caught by ruff's S308 (pyproject.toml); `format_html` escapes its arguments and is fine.

A use that is truly needed goes into ALLOWED with the reason, reviewed like code."""

import re
from pathlib import Path

import kam

KAM = Path(kam.__file__).resolve().parent
UNESCAPED = re.compile(r"\|\s*safe(seq)?\b|\{%-?\s*autoescape\s+off\b")
# (path relative to kam/, line number) → why the unescaped output is not user data.
ALLOWED: dict[tuple[str, int], str] = {}


def templates() -> list[Path]:
    return sorted(
        path
        for path in KAM.rglob("*")
        if path.suffix in {".html", ".txt", ".xml", ".svg"} and "templates" in path.parts
    )


def unescaped_uses() -> list[tuple[str, int, str]]:
    found = []
    for path in templates():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNESCAPED.search(line):
                found.append((str(path.relative_to(KAM)), number, line.strip()))
    return found


def test_the_scan_sees_kams_templates():
    names = {str(path.relative_to(KAM)) for path in templates()}
    assert "templates/base.html" in names
    assert "accounts/templates/accounts/detail.html" in names


def test_the_pattern_catches_every_form():
    for text in ("{{ x|safe }}", "{{ x | safe }}", "{{ xs|safeseq }}", "{% autoescape off %}"):
        assert UNESCAPED.search(text), text
    for text in ("{{ x|escape }}", "{{ x|json_script:'id' }}", "{% autoescape on %}", "safety"):
        assert not UNESCAPED.search(text), text


def test_no_template_turns_escaping_off():
    found = [
        f"{path}:{number}: {line}"
        for path, number, line in unescaped_uses()
        if (path, number) not in ALLOWED
    ]
    assert not found, "unescaped output in templates (escape it, or justify in ALLOWED):\n" + (
        "\n".join(found)
    )
