"""`ironroute run BRANCH.json`: the morning run of a whole branch, with live progress.

Every rep is planned on a local process pool (one process per CPU) or on a Dask cluster
(``--scheduler tcp://…``); each plan is stored the moment it is ready, so a killed run is
resumed by running the same command again (the default run id is derived from the branch
document) or with ``--run-id``. Exit codes: 0 every rep planned, 1 some reps failed or the
run stopped, 2 bad input.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli._common import Roads, err, fail, read_json, settings_with_roads

if TYPE_CHECKING:
    from api.runs.webhook import WebhookSender
    from api.store.plans import PlanStore
    from planner.runs import RepOutcome, RunReport


def run(
    branch: Annotated[str, typer.Argument(help="Branch JSON file ('-' for stdin)")],
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run-id", help="Resume or name the run (default: from the branch file's content)"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every plan of the run to DIR/<rep_id>.json")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=512, help="Local worker processes (default: CPUs)"),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: IRONROUTE_DATABASE_URL)")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.01, max=600, help="Per-rep solver seconds"),
    ] = None,
    deterministic: Annotated[
        bool, typer.Option("--deterministic", help="Stop each search by a work limit")
    ] = False,
    roads: Roads = None,
) -> None:
    """Plan every rep of a branch in parallel; store each plan as it finishes."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.documents.branch import default_run_id, parse_branch, with_options
    from api.documents.day import InputError
    from api.runs.executors import ExecutorError, open_pool
    from api.store.plans import PlanStore
    from api.store.runs import SqlRunStore, sweep_history
    from api.travel import batch_settings
    from planner.runs import BatchError, RunConflictError, run_branch

    data = with_options(
        read_json(branch), time_limit_s=time_limit, deterministic=deterministic or None
    )
    try:
        parsed = parse_branch(data)
    except InputError as e:
        raise fail(2, f"invalid branch {branch}", e.errors) from None
    try:
        settings = settings_with_roads(roads)
        target = settings.webhook_target()
    except ValueError as e:
        raise fail(2, str(e)) from None
    run_id = run_id or default_run_id(data)
    url = db or settings.database_url
    try:
        plans = PlanStore.from_url(url)
        plans.migrate()
    except (SQLAlchemyError, ValueError) as e:
        raise fail(2, f"cannot open the database {url}: {str(e).splitlines()[0]}") from None
    store = SqlRunStore(plans, data, webhook_url=target[0] if target else None)
    history = sweep_history(plans, parsed)
    began = time.perf_counter()
    try:
        with open_pool(scheduler, workers) as pool, _webhook(plans, target) as sender:
            err.print(
                f"run [bold]{run_id}[/]: {len(parsed.rep_ids)} reps of {parsed.branch_id} "
                f"on {parsed.date}, {pool.description}"
            )
            with _progress(len(parsed.rep_ids)) as observe:
                report = run_branch(
                    parsed,
                    run_id=run_id,
                    executor=pool.executor,
                    store=store,
                    max_in_flight=max(4, 2 * pool.workers),
                    observe=observe,
                    settings=batch_settings(settings),
                    sweep_history=history,
                )
    except RunConflictError as e:
        raise fail(2, str(e)) from None
    except ExecutorError as e:
        raise fail(1, str(e)) from None
    except BatchError as e:
        _summary(plans, run_id, None, time.perf_counter() - began, out)
        raise fail(1, f"{e}; run the same command again to resume") from None
    _summary(plans, run_id, report, time.perf_counter() - began, out)
    if sender is not None and sender.pending():
        err.print(
            f"[yellow]{sender.pending()} webhook deliveries pending[/]: retried by the next run "
            "or the server"
        )
    if report.failures:
        raise typer.Exit(1)


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A live bar of the run; yields the observer that advances it."""
    from rich.progress import (  # here: a plan, which imports this module, has no bar
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]planning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]{task.fields[planned]} planned[/] [red]{task.fields[failed]} failed[/]"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )
    task = progress.add_task("run", total=total, planned=0, failed=0, rate="")
    started = time.perf_counter()
    counts = Counter[str]()

    def observe(outcome: RepOutcome) -> None:
        kind = "skipped" if outcome.skipped else "planned" if outcome.plan else "failed"
        counts[kind] += 1
        fresh = counts["planned"] + counts["failed"]
        elapsed = time.perf_counter() - started
        rate = f"{counts['planned'] / elapsed:.1f} plans/s" if fresh and elapsed > 0 else ""
        progress.update(
            task,
            advance=1,
            planned=counts["planned"] + counts["skipped"],
            failed=counts["failed"],
            rate=rate,
        )

    with progress:
        yield observe


@contextmanager
def _webhook(plans: PlanStore, target: tuple[str, str] | None) -> Iterator[WebhookSender | None]:
    """Deliveries go out in a background thread while the run goes on (if configured)."""
    if target is None:
        yield None
        return
    import httpx

    from api.runs.webhook import Backoff, WebhookSender
    from api.settings import get_settings

    settings = get_settings()
    with httpx.Client(timeout=settings.webhook_timeout_s) as client:
        sender = WebhookSender(plans, target[1], client, backoff=Backoff.of(settings))
        stop = threading.Event()
        thread = threading.Thread(target=sender.run, args=(stop, 0.5), daemon=True)
        thread.start()
        try:
            yield sender
        finally:
            stop.set()
            thread.join()
            sender.deliver_due()  # what finished last


def _summary(
    plans: PlanStore, run_id: str, report: RunReport | None, wall_s: float, out: Path | None
) -> None:
    """The closing table: reps planned, shortfalls and why, visits, wall time, plans/s."""
    from api.store.runs import run_status
    from planner.routing.plan import RULE_CODES

    status = run_status(plans, run_id) or {}
    docs = plans.plans_of_run(run_id)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
            (out / f"{doc['rep_id']}.json").write_text(text, encoding="utf-8")
    by_status = Counter(d["status"] for d in docs)
    why = Counter(
        i["code"]
        for d in docs
        if d["status"] == "shortfall"
        for i in d["issues"]
        if i["code"] in RULE_CODES
    )
    this_pass = report.planned if report else None
    table = Table(title=f"run {run_id}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    planned_text = f"{len(docs)} of {status.get('total', '?')}"
    if report is not None and report.skipped:
        planned_text += f" ({report.skipped} from an earlier pass)"
    table.add_row("reps planned", planned_text)
    table.add_row(
        "  ok / shortfall / infeasible",
        " / ".join(str(by_status[s]) for s in ("ok", "shortfall", "infeasible")),
    )
    for code, n in why.most_common():
        table.add_row(f"  shortfall: {code}", str(n))
    table.add_row("reps failed", str(status.get("failed", 0)))
    table.add_row("reps pending", str(status.get("pending", 0)))
    table.add_row("total visits", str(sum(d["totals"]["visits"] for d in docs)))
    table.add_row(
        "  effective / sweeps",
        " / ".join(str(sum(d["totals"][k] for d in docs)) for k in ("effective_visits", "sweeps")),
    )
    table.add_row("wall time", f"{wall_s:.1f} s")
    if this_pass:
        table.add_row("plans per second", f"{this_pass / wall_s:.2f} (this pass: {this_pass})")
    err.print(table)
    for failure in status.get("failures", [])[:20]:
        err.print(f"  [red]{failure['rep_id']}[/] {failure['code']}: {failure['message']}")
    if len(status.get("failures", [])) > 20:
        err.print(f"  … and {len(status['failures']) - 20} more (GET /v1/runs/{run_id})")
    if out is not None:
        err.print(f"wrote {len(docs)} plans to {out}/<rep_id>.json")
