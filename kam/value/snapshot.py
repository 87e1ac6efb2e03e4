"""Columnar copies of the analysis' inputs, so an analysis reads them in milliseconds.

Turning two million rollup rows into a frame costs seconds through any database driver
(SQLite ≈ 5 s, PostgreSQL COPY ≈ 2 s at 100,000 accounts × 3 years); an Arrow file of
the same rows reads in a few hundredths of a second. The file is named after the
rollup's stamp (kam.core.versions), which every import and refresh changes, so a stale
copy is never read: the first analysis after a change rebuilds it from the database.
The last copy read stays in memory for the next analysis of the same data.
The smaller inputs (accounts, teams, potential, cost to serve) are kept the same way
under the stamp of the other inputs: reading 100,000 accounts through the SQLite driver
alone takes half a second.

The stamp is read before the rows. A write committed in between puts newer rows under
the older stamp, which is harmless: that stamp is already superseded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings

from kam.core import versions

from .analytics import frames

_held: dict[str, tuple[Path, pl.DataFrame]] = {}
"""The last frame read of each name, with its file: a process reading the same state of the
data again (another period, another policy, the next page) skips the disk. Polars frames
are immutable, so sharing them is safe; a new stamp means a new file name."""
_lock = threading.Lock()


def directory() -> Path:
    return Path(settings.VAR_DIR) / "snapshots"


def path_for(name: str, stamp: str) -> Path:
    return directory() / f"{name}-{stamp}.arrow"


def cached(
    name: str,
    kinds: tuple[str, ...],
    load: Callable[[], pl.DataFrame],
    schema: dict | None = None,
    stamps: dict[str, str] | None = None,
) -> pl.DataFrame:
    """The frame `load()` returns, from a file while the stamps of `kinds` are unchanged.

    `load()` reads the database when there is no current file, or when the file's
    columns are not `schema`'s (written by an older kam); then one is written for the
    next reader. `stamps` saves asking for them again when several frames are read at once.
    """
    stamps = stamps or versions.stamps()
    if not all(stamps[kind] for kind in kinds):  # written before stamps existed: no safe key
        return load()
    path = path_for(name, "-".join(stamps[kind] for kind in kinds))
    with _lock:
        held = _held.get(name)
    if held is not None and held[0] == path:
        return held[1]
    frame = _read(path, schema)
    if frame is None:
        frame = load()
        _write(name, path, frame)
    with _lock:
        _held[name] = (path, frame)
    return frame


def _read(path: Path, schema: dict | None) -> pl.DataFrame | None:
    try:
        frame = pl.read_ipc(path)
    except OSError:
        return None
    return frame if schema is None or frame.schema == pl.Schema(schema) else None


def forget() -> None:
    """Drop the frames held in memory (the next read goes to the files)."""
    with _lock:
        _held.clear()


def rollup_months(
    load: Callable[[], pl.DataFrame], stamps: dict[str, str] | None = None
) -> pl.DataFrame:
    """Every account-month of the rollup, keyed on the rollup's stamp only: an override or
    a new account does not make the big file stale."""
    return cached("rollup", (versions.ROLLUP,), load, frames.MONTHS, stamps)


def _write(name: str, path: Path, frame: pl.DataFrame) -> None:
    """Write beside, then rename: readers see a whole file or none. Older copies go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    frame.write_ipc(partial, compression="uncompressed")
    partial.replace(path)
    for old in path.parent.glob(f"{name}-*.arrow"):
        if old != path:
            old.unlink(missing_ok=True)
