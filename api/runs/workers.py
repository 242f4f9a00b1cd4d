"""Solver worker processes that live no longer than their parent and yield the CPU to it.

Every process pool of ironroute (the HTTP server's solver pool, batch runs) is made here.
Each worker, as it starts:

- asks Linux to SIGKILL it when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and also
  watches ``os.getppid()`` in a thread, which covers the case the kernel hook misses (the
  hook fires when the *thread* that spawned the worker exits, not only the process);
- lowers its own CPU priority (``os.nice``), so that a server whose every core is solving
  still answers its HTTP requests at once.

A job can also be given a hard deadline (:func:`call_with_deadline`): the kernel ends the
worker with SIGALRM when the job overruns it, even inside native code that never returns.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5


def _kill_me_with_parent() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills this process with its parent."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - the watchdog still runs
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch_parent(parent_pid: int, poll_s: float) -> None:
    """Exit at once when the parent is gone (this process was adopted by another)."""
    while True:
        time.sleep(poll_s)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)


def bind_to_parent(parent_pid: int, nice: int) -> None:
    """Initializer of every worker: die with ``parent_pid``, run at ``nice`` more niceness."""
    _kill_me_with_parent()
    if os.getppid() != parent_pid:  # the parent died before the hook was set
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(
        target=_watch_parent, args=(parent_pid, PARENT_POLL_S), name="parent-watch", daemon=True
    ).start()
    if nice > 0:
        os.nice(nice)


def process_pool(workers: int, *, nice: int = 0) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes bound to this one (see the module docstring).

    Workers are started with ``spawn``: a fresh interpreter each, so nothing of the parent's
    threads (an HTTP server, a database pool) is copied into them. Submit the first jobs
    from a thread that lives as long as the pool: the kernel's death signal is tied to the
    spawning thread (the ``getppid`` watchdog is the fallback).
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=bind_to_parent,
        initargs=(os.getpid(), nice),
    )


def call_with_deadline(deadline_s: float, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in this worker; past ``deadline_s`` seconds the kernel ends the process
    (SIGALRM at its default action), and the pool that owns it sees it die."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, deadline_s)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
