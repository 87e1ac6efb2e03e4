"""Child processes that never outlive their parent (the import's child of the worker, the
worker started by `kam serve --with-worker`)."""

import contextlib
import ctypes
import os
import resource
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies, SIGKILL included; exit at
    once if the parent is gone already. Elsewhere only the second check applies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def limited_child(run: str, args: tuple, figures, parent: int, memory_mb: int) -> None:
    """The body of a spawned child: `run(*args, progress)` (a dotted path, imported only
    once Django is set up) within `memory_mb` of address space, dying with its parent.
    `progress(done, total)` puts the figures in shared memory for the parent to report."""
    die_with_parent(parent)
    import django
    from django.db import connections
    from django.utils.module_loading import import_string

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    django.setup()
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024 * 1024
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    def progress(done: int, total: int) -> None:
        figures[0], figures[1] = done, total

    try:
        import_string(run)(*args, progress)
    finally:
        connections.close_all()
