"""A wall-clock limit that a solver cannot ignore.

HiGHS takes a ``time_limit`` option, but some phases do not look at the clock (issue
12 met a dive MIP that stayed in HiGHS presolve for more than 1,500 s under a 60 s
limit). :func:`call_with_deadline` therefore runs each solver call in a forked child
process and kills it when the deadline plus a short grace has passed: the caller
always gets control back in time, with the call's result or ``None``.

Forking copies the parent's memory lazily, so a call costs a few milliseconds more
than a direct one; the child's result comes back pickled through a pipe. Where
``os.fork`` does not exist (Windows) the call runs directly and only the solver's own
limit applies.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

GRACE_S = 1.0
"""Seconds a call may run past its deadline (the solver's own limit usually stops it
first) before the child process is killed."""


class SolverCallError(RuntimeError):
    """The solver call raised inside the child process (the message holds its traceback)."""


def call_with_deadline(fn: Callable[[], T], deadline: float, grace: float = GRACE_S) -> T | None:
    """Run ``fn()`` and return its result, or ``None`` when it misses ``deadline + grace``.

    Parameters
    ----------
    fn
        A call without arguments whose result can be pickled.
    deadline
        ``time.perf_counter()`` value by which the call should end.
    grace
        Extra seconds before the child process is killed.

    Raises
    ------
    SolverCallError
        When ``fn`` raised (or the child died without an answer).

    Examples
    --------
    >>> import time
    >>> call_with_deadline(lambda: 6 * 7, time.perf_counter() + 5)
    42
    >>> call_with_deadline(lambda: time.sleep(60), time.perf_counter() + 0.1, grace=0.1) is None
    True
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        return fn()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        _child(fn, write_fd)
    os.close(write_fd)
    try:
        data = _read_until(read_fd, deadline + grace)
    finally:
        os.close(read_fd)
        if data is None:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if data is None:
        return None
    if not data:
        raise SolverCallError("the solver process ended without an answer")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise SolverCallError(value)
    return value


def _child(fn: Callable[[], object], write_fd: int) -> None:  # pragma: no cover - child
    """Run ``fn`` in the child, send ``(kind, value)`` and leave without cleanup."""
    try:
        try:
            payload = pickle.dumps(("ok", fn()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    finally:
        os._exit(0)


def _read_until(fd: int, until: float) -> bytes | None:
    """Everything written to ``fd`` until it closes, or ``None`` at time ``until``."""
    chunks: list[bytes] = []
    while True:
        left = until - time.perf_counter()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
