"""The architecture contract (pyproject.toml, [tool.importlinter]; docs/en/developer.md):
apps are layers, no import cycles inside an app, domain code never imports pages. Run here
so that `pytest` alone fails on a violation, as `make test` does through `lint-imports`."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(
    not (ROOT / "pyproject.toml").exists(), reason="needs the source tree's pyproject.toml"
)
def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache", "--no-logo", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
