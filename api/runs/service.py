"""Batch runs inside the server: accepted at once, planned in the background, resumed on start.

One background thread plans the accepted runs one after another on a pool kept for the
server's life (a local process pool, or a Dask cluster's executor when
``IRONROUTE_RUN_SCHEDULER`` is set). A server plans a run only while it holds the run's
lease (``api.store.leases``), renewed by a heartbeat thread every third of
``IRONROUTE_RUN_LEASE_S``; every third of it too, the runner looks for unfinished runs whose
lease is free or expired — left by a stopped server, or by a killed one once its lease
expires — and takes them over. Servers sharing a database thus plan each run once at a time;
a clean shutdown stops handing out reps and gives its lease up, so nothing is lost either
way, and a rep planned twice by an old and a new holder is stored once. A second thread
sends the CRM webhook's deliveries when one is set.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from typing import Any

import httpx

from api.documents.branch import default_run_id, parse_branch
from api.documents.day import InputError
from api.runs.executors import Pool, open_pool
from api.runs.webhook import Backoff, WebhookSender
from api.settings import Settings, get_settings
from api.store.leases import claimable_runs, release_lease, renew_lease, take_lease
from api.store.plans import PlanStore
from api.store.runs import SqlRunStore, run_document, sweep_history
from api.travel import batch_settings
from planner.runs.batch import BatchError, Branch, run_branch

log = logging.getLogger("ironroute.runs")
_Job = tuple[str, dict[str, Any], Branch, str | None]  # run id, document, branch, created by


class RunService:
    """Accepts runs and plans them in a background thread; see the module docstring."""

    def __init__(
        self,
        plans: PlanStore,
        settings: Settings | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        self.plans = plans
        self.settings = settings or get_settings()
        #: this server's name on the leases it holds: host, process, and a random part
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_s = self.settings.run_lease_s
        self.webhook = self.settings.webhook_target()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool_cm: contextlib.ExitStack | None = None
        self._pool: Pool | None = None
        self._lock = threading.Lock()
        self._queued: set[str] = set()  # run ids waiting in the queue
        self._current: str | None = None  # the run being planned
        self._unreadable: set[str] = set()  # stored runs this version cannot parse

    # lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the runner (and webhook) threads; the runner first queues the runs a previous
        server left unfinished."""
        runner = threading.Thread(target=self._work, name="ironroute-runs", daemon=True)
        self._threads.append(runner)
        if self.webhook is not None:
            client = httpx.Client(timeout=self.settings.webhook_timeout_s)
            sender = WebhookSender(
                self.plans, self.webhook[1], client, backoff=Backoff.of(self.settings)
            )
            self._threads.append(
                threading.Thread(
                    target=sender.run,
                    args=(self._stopping, self.settings.webhook_poll_s),
                    name="ironroute-webhook",
                    daemon=True,
                )
            )
        for thread in self._threads:
            thread.start()

    def _resume(self) -> None:
        """Queue the unfinished runs whose lease is free or expired (raises if the database
        is away)."""
        for run_id in claimable_runs(self.plans):
            with self._lock:
                if run_id in self._queued or run_id == self._current or run_id in self._unreadable:
                    continue
            document = run_document(self.plans, run_id)
            try:
                branch = parse_branch(document)
            except InputError as err:  # stored by an older version with other rules
                log.error("run %s cannot be resumed: %s", run_id, err)
                self._unreadable.add(run_id)  # said once, not at every scan
                continue
            log.info("resuming run %s", run_id)
            self._enqueue((run_id, document or {}, branch, None))

    def _enqueue(self, job: _Job) -> None:
        with self._lock:
            if job[0] in self._queued:
                return
            self._queued.add(job[0])
        self._queue.put(job)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop handing out reps, let the ones in flight finish, close the pool."""
        self._stopping.set()
        self._queue.put(None)  # wakes the runner
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        if self._pool_cm is not None:
            self._pool_cm.close()

    # runs ------------------------------------------------------------------------------

    def submit(
        self,
        document: dict[str, Any],
        branch: Branch,
        created_by: str | None,
        run_id: str | None = None,
    ) -> str:
        """Register a run (every rep pending) and queue it; returns its id at once.

        The default id comes from the document's content, so the same document posted
        again (a retry) is the same run: its planned reps are not planned again.

        Raises
        ------
        RunConflictError
            If ``run_id`` is a run of another document.
        """
        run_id = run_id or default_run_id(document)
        self._store(document, created_by).begin_run(run_id, branch)
        # claimed at once, so no other server's scan takes the run before this runner does
        # (if this one is busy for longer than a lease, an idle server may take it over)
        take_lease(self.plans, run_id, self.owner, self.lease_s)
        self._enqueue((run_id, document, branch, created_by))
        return run_id

    def _store(self, document: dict[str, Any], created_by: str | None) -> SqlRunStore:
        return SqlRunStore(
            self.plans,
            document,
            created_by=created_by,
            webhook_url=self.webhook[0] if self.webhook else None,
        )

    def _work(self) -> None:
        scan_every_s = self.lease_s / 3
        wait_s = 1.0
        next_scan = time.monotonic()
        while not self._stopping.is_set():
            timeout: float | None = None
            if self.settings.run_resume_on_start:
                if time.monotonic() >= next_scan:
                    try:  # in this thread: a server starts (and answers /readyz) without its DB
                        self._resume()
                        wait_s, next_scan = 1.0, time.monotonic() + scan_every_s
                    except Exception:
                        log.exception("cannot look for unfinished runs; retrying in %.0f s", wait_s)
                        next_scan = time.monotonic() + wait_s
                        wait_s = min(60.0, 2 * wait_s)
                timeout = max(0.0, next_scan - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                continue
            if item is None or self._stopping.is_set():
                return
            with self._lock:
                self._queued.discard(item[0])
                self._current = item[0]
            try:
                self._plan_leased(*item)
            except Exception:  # the run stays resumable; the next one may go through
                log.exception("run %s stopped", item[0])
            finally:
                with self._lock:
                    self._current = None

    def _plan_leased(
        self, run_id: str, document: dict[str, Any], branch: Branch, created_by: str | None
    ) -> None:
        """Plan the run while holding its lease; leave it if another server holds it."""
        if not take_lease(self.plans, run_id, self.owner, self.lease_s):
            log.info("run %s is planned by another server (or finished); leaving it", run_id)
            return
        lost, done = threading.Event(), threading.Event()
        beat = threading.Thread(
            target=self._heartbeat, args=(run_id, lost, done), name="ironroute-lease", daemon=True
        )
        beat.start()
        try:
            self._plan(run_id, document, branch, created_by, lost=lost)
        finally:
            done.set()
            beat.join()
            if not lost.is_set():
                with contextlib.suppress(Exception):  # else it expires by itself
                    release_lease(self.plans, run_id, self.owner)

    def _heartbeat(self, run_id: str, lost: threading.Event, done: threading.Event) -> None:
        """Renew the lease every third of it until ``done``; set ``lost`` when it is gone
        (another server took the run over) or could not be renewed for a whole lease."""
        renewed = time.monotonic()
        while not done.wait(self.lease_s / 3):
            try:
                if not renew_lease(self.plans, run_id, self.owner, self.lease_s):
                    log.warning("run %s: the lease went to another server; stopping", run_id)
                    lost.set()
                    return
                renewed = time.monotonic()
            except Exception:
                log.exception("run %s: cannot renew the lease", run_id)
                if time.monotonic() - renewed >= self.lease_s:
                    lost.set()
                    return

    def _plan(
        self,
        run_id: str,
        document: dict[str, Any],
        branch: Branch,
        created_by: str | None,
        *,
        lost: threading.Event,
    ) -> None:
        for attempt in range(2):  # a broken pool is replaced once per run
            pool = self._ensure_pool()
            try:
                run_branch(
                    branch,
                    run_id=run_id,
                    executor=pool.executor,
                    store=self._store(document, created_by),
                    max_in_flight=max(4, 2 * pool.workers),
                    stop=lambda: self._stopping.is_set() or lost.is_set(),
                    settings=batch_settings(self.settings),
                    sweep_history=sweep_history(self.plans, branch),
                )
                return
            except BatchError:
                log.exception("run %s: the pool broke (attempt %d)", run_id, attempt + 1)
                self._close_pool()
                if lost.is_set():
                    return

    def _ensure_pool(self) -> Pool:
        if self._pool is None:
            stack = contextlib.ExitStack()
            self._pool = stack.enter_context(
                open_pool(
                    self.settings.run_scheduler,
                    self.settings.run_workers,
                    nice=self.settings.solver_nice,
                )
            )
            self._pool_cm = stack
        return self._pool

    def _close_pool(self) -> None:
        if self._pool_cm is not None:
            with contextlib.suppress(Exception):
                self._pool_cm.close()
        self._pool, self._pool_cm = None, None
