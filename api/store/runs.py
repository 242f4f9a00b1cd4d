"""Batch runs in the SQL storage: the planner's ``RunStore`` on the plans database.

A run's row keeps its branch document; each rep has one ``run_items`` row (pending, planned
or failed). A plan is written with its problem, its item and — when a CRM webhook is set —
its delivery row in **one transaction**: a process killed at any moment leaves each rep
either planned (plan, item and delivery all visible) or not at all, and a rep whose item is
already planned is never stored twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, update

from api.documents.branch import problem_document
from api.store.plans import PlanStore, as_utc, dumps, sha256_json
from api.store.run_tables import run_items, runs, sweeps, webhook_deliveries
from api.store.tables import plans as plan_rows
from planner import DayPlan, DayProblem
from planner.runs.batch import (
    Branch,
    PlanOutline,
    RepFailure,
    RunConflictError,
    RunReport,
    SweepRecord,
)

IdFactory = Callable[[], str]


def _new_id() -> str:
    return str(uuid.uuid4())


class SqlRunStore:
    """The run store of one branch document (see :class:`planner.runs.batch.RunStore`).

    Parameters
    ----------
    plans
        The plan storage (its engine and clock are used for everything here).
    document
        The branch document the run plans (kept with the run; problems are cut from it).
    created_by
        The API key that started the run, if any.
    webhook_url
        When set, every stored plan and every finished pass also records a delivery to
        this URL, in the same transaction (``api.runs.webhook`` sends them).
    """

    def __init__(
        self,
        plans: PlanStore,
        document: dict[str, Any],
        *,
        created_by: str | None = None,
        webhook_url: str | None = None,
        new_id: IdFactory = _new_id,
    ) -> None:
        self.plans = plans
        self.document = document
        self.created_by = created_by
        self.webhook_url = webhook_url
        self.new_id = new_id
        self._index = {rep["id"]: i for i, rep in enumerate(document["reps"])}

    # the planner's RunStore ---------------------------------------------------------

    def begin_run(self, run_id: str, branch: Branch) -> None:
        """Create the run and a pending item per rep, or check it is the same branch."""
        digest = sha256_json(self.document)
        now = self.plans.clock()
        with self.plans.engine.begin() as conn:
            found = conn.execute(
                select(runs.c.branch_sha256).where(runs.c.run_id == run_id)
            ).scalar_one_or_none()
            if found is not None:
                if found != digest:
                    raise RunConflictError(
                        f"run {run_id!r} was started with another branch document; "
                        "use a new run id for this one"
                    )
                conn.execute(
                    update(runs)
                    .where(runs.c.run_id == run_id)
                    .values(state="running", updated_at=now, finished_at=None)
                )
                return
            conn.execute(
                insert(runs).values(
                    run_id=run_id,
                    branch_id=branch.branch_id,
                    run_date=branch.date,
                    branch_sha256=digest,
                    branch=dumps(self.document),
                    total=len(branch.rep_ids),
                    state="running",
                    created_by=self.created_by,
                    created_at=now,
                    updated_at=now,
                )
            )
            conn.execute(
                insert(run_items),
                [
                    {
                        "run_id": run_id,
                        "rep_id": rep_id,
                        "position": self._index[rep_id],
                        "state": "pending",
                        "updated_at": now,
                    }
                    for rep_id in branch.rep_ids
                ],
            )

    def planned_reps(self, run_id: str) -> set[str]:
        query = select(run_items.c.rep_id).where(
            run_items.c.run_id == run_id, run_items.c.state == "planned"
        )
        with self.plans.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def save_plan(self, run_id: str, problem: DayProblem, plan: DayPlan) -> None:
        """Plan, problem, item and delivery in one transaction (nothing if already planned)."""
        # another pass may have stored this rep first: keep that plan only
        self._claim_and_store(
            run_id,
            problem,
            plan,
            claim=[run_items.c.state != "planned"],
            item={
                "state": "planned",
                "error_code": None,
                "error_field": None,
                "error_message": None,
            },
        )

    def plan_outlines(self, run_id: str) -> dict[str, PlanOutline]:
        """The current plan of every planned rep (read back from the stored documents)."""
        query = (
            select(run_items.c.rep_id, plan_rows.c.body)
            .join(plan_rows, plan_rows.c.plan_id == run_items.c.plan_id)
            .where(run_items.c.run_id == run_id, run_items.c.state == "planned")
        )
        with self.plans.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {str(rep_id): _outline(json.loads(body)) for rep_id, body in rows}

    def replace_plan(
        self, run_id: str, problem: DayProblem, plan: DayPlan, *, replaces: str
    ) -> None:
        """A second-pass plan in place of ``replaces``: the new plan and problem, the item
        pointing at it, the old plan's sweeps swapped for the new one's, its delivery — in one
        transaction; nothing if the rep's plan is no longer ``replaces``. The replaced plan
        stays readable under its id."""
        self._claim_and_store(
            run_id,
            problem,
            plan,
            claim=[run_items.c.state == "planned", run_items.c.plan_id == replaces],
            item={},
            replaces=replaces,
        )

    def _problem_doc(self, problem: DayProblem, plan: DayPlan) -> dict[str, Any]:
        return problem_document(
            self.document,
            self._index[plan.rep_id],
            {b.id for b in problem.buildings},
            problem.skipped_sweeps,
        )

    def _claim_and_store(
        self,
        run_id: str,
        problem: DayProblem,
        plan: DayPlan,
        *,
        claim: Sequence[ColumnElement[bool]],
        item: dict[str, Any],
        replaces: str | None = None,
    ) -> None:
        """In one transaction: claim the rep's item (it matches ``claim`` too; it is pointed at
        the plan and also given ``item``), then store the plan with its problem, its sweeps
        (the history; those of ``replaces`` dropped) and its delivery. Nothing when no item
        matches: another writer got there first."""
        doc, problem_doc = plan.to_dict(), self._problem_doc(problem, plan)
        now = self.plans.clock()
        with self.plans.engine.begin() as conn:
            claimed = conn.execute(
                update(run_items)
                .where(run_items.c.run_id == run_id, run_items.c.rep_id == plan.rep_id, *claim)
                .values(**item, plan_id=doc["plan_id"], updated_at=now)
            ).rowcount
            if not claimed:
                return
            if replaces is not None:
                conn.execute(delete(sweeps).where(sweeps.c.plan_id == replaces))
            plan_id = self.plans.insert_plan(
                conn, problem_doc, doc, run_id=run_id, created_by=self.created_by
            )
            swept = sorted(
                {s.building_id for s in plan.stops if s.type == "sweep" and s.building_id}
            )
            if swept:
                conn.execute(insert(sweeps), list(self._sweep_rows(plan_id, plan, swept)))
            self._enqueue(conn, "plan.finished", run_id, plan_id, {"plan": doc}, now)

    def _sweep_rows(
        self, plan_id: str, plan: DayPlan, swept: Iterable[str]
    ) -> Iterable[dict[str, Any]]:
        for b in swept:
            yield {
                "plan_id": plan_id,
                "building_id": b,
                "branch_id": self.document["branch_id"],
                "sweep_date": plan.date,
                "rep_id": plan.rep_id,
            }

    def save_failure(self, run_id: str, failure: RepFailure) -> None:
        now = self.plans.clock()
        with self.plans.engine.begin() as conn:
            conn.execute(
                update(run_items)
                .where(
                    run_items.c.run_id == run_id,
                    run_items.c.rep_id == failure.rep_id,
                    run_items.c.state != "planned",
                )
                .values(
                    state="failed",
                    error_code=failure.code,
                    error_field=failure.field,
                    error_message=failure.message,
                    updated_at=now,
                )
            )

    def finish_run(self, run_id: str, report: RunReport) -> None:
        now = self.plans.clock()
        with self.plans.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(state="finished", updated_at=now, finished_at=now)
            )
            counts = _counts(conn, run_id)
            self._enqueue(conn, "run.finished", run_id, None, {"counts": counts}, now)

    # --------------------------------------------------------------------------------

    def _enqueue(
        self,
        conn: Connection,
        event: str,
        run_id: str,
        plan_id: str | None,
        payload: dict[str, Any],
        now: datetime,
    ) -> None:
        if self.webhook_url is None:
            return
        delivery_id = self.new_id()
        body = {"event": event, "delivery_id": delivery_id, "run_id": run_id, **payload}
        conn.execute(
            insert(webhook_deliveries).values(
                delivery_id=delivery_id,
                event=event,
                run_id=run_id,
                plan_id=plan_id,
                url=self.webhook_url,
                body=dumps(body),
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


def _outline(doc: dict[str, Any]) -> PlanOutline:
    stops = doc.get("stops", [])
    return PlanOutline(
        plan_id=str(doc["plan_id"]),
        visits=tuple(str(s["lead_id"]) for s in stops if s["type"] == "visit"),
        sweeps=tuple(
            (str(s["anchor_lead_id"]), str(s["building_id"])) for s in stops if s["type"] == "sweep"
        ),
    )


def _counts(conn: Connection, run_id: str) -> dict[str, int]:
    rows = conn.execute(
        select(run_items.c.state, func.count())
        .where(run_items.c.run_id == run_id)
        .group_by(run_items.c.state)
    ).all()
    found = {str(state): int(n) for state, n in rows}
    return {k: found.get(k, 0) for k in ("planned", "failed", "pending")}


def sweep_history(plans: PlanStore, branch: Branch) -> list[SweepRecord]:
    """The branch's stored sweeps less than its cooldown before its date (earliest first).

    Only batch-run plans are kept in the history (a single plan has no branch)."""
    if branch.sweep_cooldown_days <= 0:
        return []
    since = branch.date - timedelta(days=branch.sweep_cooldown_days)
    query = (
        select(sweeps.c.building_id, sweeps.c.sweep_date)
        .where(
            sweeps.c.branch_id == branch.branch_id,
            sweeps.c.sweep_date > since,
            sweeps.c.sweep_date < branch.date,
        )
        .order_by(sweeps.c.sweep_date, sweeps.c.building_id)
    )
    with plans.engine.connect() as conn:
        return [SweepRecord(building_id=b, date=d) for b, d in conn.execute(query).all()]


def run_status(plans: PlanStore, run_id: str) -> dict[str, Any] | None:
    """A run's progress: counts, every failure with its field, every plan id; None if unknown."""
    with plans.engine.connect() as conn:
        run = conn.execute(select(runs).where(runs.c.run_id == run_id)).one_or_none()
        if run is None:
            return None
        items = conn.execute(
            select(run_items).where(run_items.c.run_id == run_id).order_by(run_items.c.position)
        ).all()
    counts = {"planned": 0, "failed": 0, "pending": 0}
    for item in items:
        counts[item.state] += 1
    return {
        "run_id": run.run_id,
        "branch_id": run.branch_id,
        "date": run.run_date.isoformat(),
        "state": run.state,
        "total": run.total,
        **counts,
        "created_at": _iso(run.created_at),
        "updated_at": _iso(run.updated_at),
        "finished_at": _iso(run.finished_at),
        "plans": [
            {"rep_id": i.rep_id, "plan_id": i.plan_id} for i in items if i.state == "planned"
        ],
        "failures": [
            {
                "rep_id": i.rep_id,
                "code": i.error_code,
                "field": i.error_field,
                "message": i.error_message,
            }
            for i in items
            if i.state == "failed"
        ],
    }


def run_document(plans: PlanStore, run_id: str) -> dict[str, Any] | None:
    """The branch document run ``run_id`` plans, or None."""
    with plans.engine.connect() as conn:
        body = conn.execute(
            select(runs.c.branch).where(runs.c.run_id == run_id)
        ).scalar_one_or_none()
    return None if body is None else json.loads(body)


def unfinished_runs(plans: PlanStore, *, idle_for: timedelta = timedelta(0)) -> list[str]:
    """Ids of runs not finished whose last write is older than ``idle_for`` (to resume)."""
    cutoff = plans.clock() - idle_for
    with plans.engine.connect() as conn:
        rows = conn.execute(
            select(runs.c.run_id, runs.c.updated_at).where(runs.c.state == "running")
        ).all()
    return [r.run_id for r in rows if as_utc(r.updated_at) <= cutoff]


def _iso(t: datetime | None) -> str | None:
    return None if t is None else as_utc(t).isoformat(timespec="seconds")
