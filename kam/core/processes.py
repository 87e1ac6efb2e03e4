"""Child processes that never outlive their parent (the import's child of the worker, the
worker started by `kam serve --with-worker`)."""

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies, SIGKILL included; exit at
    once if the parent is gone already. Elsewhere only the second check applies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
