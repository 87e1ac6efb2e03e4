"""Child processes that never outlive their parent (the import's child of the worker, the
worker started by `kam serve --with-worker`)."""

import contextlib
import ctypes
import os
import signal

import psutil

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies, SIGKILL included; exit at
    once if the parent is gone already. Elsewhere only the second check applies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def limited_child(run: str, args: tuple, figures, parent: int) -> None:
    """The body of a spawned child: `run(*args, progress)` (a dotted path, imported only
    once Django is set up), dying with its parent, which watches its memory (`resident_mb`).
    `progress(done, total)` puts the figures in shared memory for the parent to report."""
    die_with_parent(parent)
    import django
    from django.db import connections
    from django.utils.module_loading import import_string

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    django.setup()

    def progress(done: int, total: int) -> None:
        figures[0], figures[1] = done, total

    try:
        import_string(run)(*args, progress)
    finally:
        connections.close_all()


def resident_mb(pid: int) -> float:
    """The memory a process really holds (its resident set), in MB; 0 once it is gone.

    Measured from outside rather than capped inside with RLIMIT_AS: an address-space cap
    counts what allocators merely reserve, and when an allocation fails in one of Polars'
    threads its reader waits forever (seen: read_csv parked in its runtime), so a capped
    import hung instead of failing."""
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).memory_info().rss / 2**20
    return 0.0
