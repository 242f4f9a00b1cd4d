"""Batch runs inside the server: accepted at once, planned in the background, resumed on start.

One background thread plans the accepted runs one after another on a pool kept for the
server's life (a local process pool, or a Dask cluster's executor when
``IRONROUTE_RUN_SCHEDULER`` is set). Runs left unfinished by a stopped or killed server are
picked up again when it starts; a clean shutdown stops handing out reps, so nothing is
lost either way. A second thread sends the CRM webhook's deliveries when one is set.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from typing import Any

import httpx

from api.documents.branch import default_run_id, parse_branch
from api.documents.day import InputError
from api.runs.executors import Pool, open_pool
from api.runs.webhook import Backoff, WebhookSender
from api.settings import Settings, get_settings
from api.store.plans import PlanStore
from api.store.runs import SqlRunStore, run_document, sweep_history, unfinished_runs
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
    ) -> None:
        self.plans = plans
        self.settings = settings or get_settings()
        self.webhook = self.settings.webhook_target()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool_cm: contextlib.ExitStack | None = None
        self._pool: Pool | None = None

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
        """Queue the runs a previous server left unfinished (raises if the database is away)."""
        for run_id in unfinished_runs(self.plans):
            document = run_document(self.plans, run_id)
            try:
                branch = parse_branch(document)
            except InputError as err:  # stored by an older version with other rules
                log.error("run %s cannot be resumed: %s", run_id, err)
                continue
            log.info("resuming run %s", run_id)
            self._queue.put((run_id, document or {}, branch, None))

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
        self._queue.put((run_id, document, branch, created_by))
        return run_id

    def _store(self, document: dict[str, Any], created_by: str | None) -> SqlRunStore:
        return SqlRunStore(
            self.plans,
            document,
            created_by=created_by,
            webhook_url=self.webhook[0] if self.webhook else None,
        )

    def _work(self) -> None:
        wait_s = 1.0
        while self.settings.run_resume_on_start and not self._stopping.is_set():
            try:  # in this thread: a server starts (and answers /readyz) without its database
                self._resume()
                break
            except Exception:
                log.exception("cannot look for unfinished runs yet; retrying in %.0f s", wait_s)
                self._stopping.wait(wait_s)
                wait_s = min(60.0, 2 * wait_s)
        while not self._stopping.is_set():
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            run_id, document, branch, created_by = item
            try:
                self._plan(run_id, document, branch, created_by)
            except Exception:  # the run stays resumable; the next one may go through
                log.exception("run %s stopped", run_id)

    def _plan(
        self, run_id: str, document: dict[str, Any], branch: Branch, created_by: str | None
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
                    stop=self._stopping.is_set,
                    settings=batch_settings(self.settings),
                    sweep_history=sweep_history(self.plans, branch),
                )
                return
            except BatchError:
                log.exception("run %s: the pool broke (attempt %d)", run_id, attempt + 1)
                self._close_pool()

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
