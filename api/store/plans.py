"""PlanStore: every plan ironroute answers, kept with the problem it answers.

The one storage class other parts of ironroute (the HTTP API, batch runs) write through::

    store = PlanStore.from_url("sqlite:///ironroute.db")   # or PlanStore(engine)
    store.migrate()                                        # Alembic, to head
    plan_id = store.save_plan(problem_doc, plan_doc, run_id="2026-11-27-bj")
    store.get_plan(plan_id)                                # the plan document, or None
    store.latest_plan("r17", "2026-11-27")                 # the newest plan of that day

A plan and its problem are written in one transaction: a crash leaves both or neither.
Documents are stored as the JSON text that is served, so reads hand back exactly what was
answered. SQLite (a file, WAL mode) and PostgreSQL (psycopg 3) are both supported.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from api.store.db import make_engine, reader, upgrade_to_head
from api.store.run_tables import run_items
from api.store.tables import balances, plans, problems

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (the default clock of the stores)."""
    return datetime.now(UTC)


def as_utc(t: datetime) -> datetime:
    """An instant read back from the database as an aware UTC datetime (SQLite drops zones)."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def dumps(doc: Any) -> str:
    """The JSON text a document is stored and served as (UTF-8, compact)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def sha256_json(doc: Any) -> str:
    """Digest of a document's canonical JSON (sorted keys): equal documents, equal digests."""
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPlan:
    """A stored plan as the API serves it: its JSON text and what it is looked up by."""

    plan_id: str
    rep_id: str
    date: date
    run_id: str | None
    created_at: datetime
    body: str

    def document(self) -> dict[str, Any]:
        """The plan document."""
        doc: dict[str, Any] = json.loads(self.body)
        return doc


class PlanStore:
    """Plans, their problems and territory balances in a SQL database.

    Parameters
    ----------
    engine
        A SQLAlchemy engine (see ``api.store.db.make_engine`` for SQLite's WAL set-up).
    clock
        Returns the current instant; stamped on every stored row (default: UTC wall clock).
    """

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.reads = reader(engine)
        self.inline_reads = engine.dialect.name == "sqlite"
        self.clock = clock

    @classmethod
    def from_url(cls, url: str, *, clock: Clock = utc_now, **engine_kwargs: Any) -> PlanStore:
        """A store on a new engine for ``url`` (``sqlite:///file.db``, ``postgresql://…``)."""
        return cls(make_engine(url, **engine_kwargs), clock=clock)

    def migrate(self) -> str:
        """Run the Alembic migrations to head; returns the revision the database is now at."""
        return upgrade_to_head(self.engine)

    def ping(self) -> None:
        """Raise (a SQLAlchemy error) unless the database answers a query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    # plans ---------------------------------------------------------------------------

    def save_plan(
        self,
        problem: dict[str, Any],
        plan: dict[str, Any],
        *,
        run_id: str | None = None,
        created_by: str | None = None,
    ) -> str:
        """Store ``plan`` with its ``problem`` in one transaction; returns the plan's id.

        The plan keeps its ``plan_id`` when it has one, else gets a new UUID (written into
        the stored document). ``run_id`` ties the plan to a batch run; ``created_by`` is
        the API key that asked for it.
        """
        with self.engine.begin() as conn:
            return self.insert_plan(conn, problem, plan, run_id=run_id, created_by=created_by)

    def insert_plan(
        self,
        conn: Connection,
        problem: dict[str, Any],
        plan: dict[str, Any],
        *,
        run_id: str | None = None,
        created_by: str | None = None,
    ) -> str:
        """``save_plan`` inside the caller's transaction ``conn`` (to add more to it)."""
        plan_id = plan.get("plan_id") or str(uuid.uuid4())
        doc = {**plan, "plan_id": plan_id}
        now = self.clock()
        problem_id = conn.execute(
            insert(problems)
            .values(sha256=sha256_json(problem), body=dumps(problem), created_at=now)
            .returning(problems.c.id)
        ).scalar_one()
        conn.execute(
            insert(plans).values(
                plan_id=plan_id,
                rep_id=str(doc["rep_id"]),
                plan_date=date.fromisoformat(str(doc["date"])),
                status=str(doc["status"]),
                run_id=run_id,
                created_by=created_by,
                problem_id=problem_id,
                body=dumps(doc),
                created_at=now,
                previous_plan_id=doc.get("previous_plan_id"),
                version=int(doc.get("version") or 1),
            )
        )
        return str(plan_id)

    def get_plan(self, plan_id: str) -> dict[str, Any] | None:
        """The plan document stored under ``plan_id``, or None."""
        found = self.get_stored_plan(plan_id)
        return None if found is None else found.document()

    def latest_plan(self, rep_id: str, day: date | str) -> dict[str, Any] | None:
        """The newest plan stored for ``rep_id`` on ``day`` (a date or 'YYYY-MM-DD'), or None."""
        found = self.latest_stored_plan(rep_id, day)
        return None if found is None else found.document()

    def get_problem(self, plan_id: str) -> dict[str, Any] | None:
        """The problem document the plan ``plan_id`` answers, or None."""
        query = (
            select(problems.c.body)
            .join(plans, plans.c.problem_id == problems.c.id)
            .where(plans.c.plan_id == plan_id)
        )
        with self.reads.connect() as conn:
            body = conn.execute(query).scalar_one_or_none()
        return None if body is None else json.loads(body)

    def plan_versions(self, plan_id: str) -> list[dict[str, Any]]:
        """Every version of the day ``plan_id`` belongs to, oldest first: ``{"plan_id",
        "version", "previous_plan_id", "created_at"}`` (empty when no such plan)."""
        with self.reads.connect() as conn:
            row = conn.execute(
                select(plans.c.rep_id, plans.c.plan_date).where(plans.c.plan_id == plan_id)
            ).one_or_none()
            if row is None:
                return []
            rows = conn.execute(
                select(
                    plans.c.plan_id, plans.c.version, plans.c.previous_plan_id, plans.c.created_at
                )
                .where(plans.c.rep_id == row.rep_id, plans.c.plan_date == row.plan_date)
                .order_by(plans.c.seq)
            ).all()
        # the chain through plan_id (a day may also hold unrelated morning plans)
        by_prev = {r.previous_plan_id: r for r in rows if r.previous_plan_id}
        by_id = {r.plan_id: r for r in rows}
        first = by_id[plan_id]
        while first.previous_plan_id in by_id:
            first = by_id[first.previous_plan_id]
        chain = [first]
        while chain[-1].plan_id in by_prev:
            chain.append(by_prev[chain[-1].plan_id])
        return [
            {
                "plan_id": r.plan_id,
                "version": r.version,
                "previous_plan_id": r.previous_plan_id,
                "created_at": as_utc(r.created_at).isoformat(timespec="seconds"),
            }
            for r in chain
        ]

    def plans_of_run(self, run_id: str) -> list[dict[str, Any]]:
        """The run's plan of each planned rep, oldest first: the one its run entry names (a
        plan the second pass replaced stays readable by id, but is no longer the run's)."""
        replaced = (
            select(run_items.c.rep_id)
            .where(
                run_items.c.run_id == run_id,
                run_items.c.rep_id == plans.c.rep_id,
                run_items.c.plan_id.is_not(None),
                run_items.c.plan_id != plans.c.plan_id,
            )
            .exists()
        )
        query = (
            select(plans.c.body).where(plans.c.run_id == run_id, ~replaced).order_by(plans.c.seq)
        )
        with self.reads.connect() as conn:
            return [json.loads(b) for b in conn.execute(query).scalars()]

    def count_plans(self) -> int:
        """How many plans are stored."""
        with self.reads.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(plans)).scalar_one())

    def get_stored_plan(self, plan_id: str) -> StoredPlan | None:
        """The stored row of ``plan_id`` (JSON text and keys), or None."""
        return self._one_plan(select(*_PLAN_COLUMNS).where(plans.c.plan_id == plan_id))

    def latest_stored_plan(self, rep_id: str, day: date | str) -> StoredPlan | None:
        """The stored row of the newest plan of ``rep_id`` on ``day``, or None."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        query = (
            select(*_PLAN_COLUMNS)
            .where(plans.c.rep_id == rep_id, plans.c.plan_date == day)
            .order_by(plans.c.seq.desc())
            .limit(1)
        )
        return self._one_plan(query)

    def _one_plan(self, query: Any) -> StoredPlan | None:
        with self.reads.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        return StoredPlan(
            plan_id=row.plan_id,
            rep_id=row.rep_id,
            date=row.plan_date,
            run_id=row.run_id,
            created_at=as_utc(row.created_at),
            body=row.body,
        )

    # territory balances --------------------------------------------------------------

    def save_balance(
        self, request: dict[str, Any], result: dict[str, Any], *, created_by: str | None = None
    ) -> str:
        """Store a territory balance (its request and result); returns its ``balance_id``."""
        with self.engine.begin() as conn:
            return self.insert_balance(conn, request, result, created_by=created_by)

    def insert_balance(
        self,
        conn: Connection,
        request: dict[str, Any],
        result: dict[str, Any],
        *,
        created_by: str | None = None,
    ) -> str:
        """``save_balance`` inside the caller's transaction ``conn``."""
        balance_id = str(result.get("balance_id") or uuid.uuid4())
        conn.execute(
            insert(balances).values(
                balance_id=balance_id,
                created_by=created_by,
                request=dumps(request),
                result=dumps({**result, "balance_id": balance_id}),
                created_at=self.clock(),
                branch_id=request.get("branch_id"),
            )
        )
        return balance_id

    def get_balance(self, balance_id: str) -> dict[str, Any] | None:
        """The stored balance result ``balance_id``, or None."""
        query = select(balances.c.result).where(balances.c.balance_id == balance_id)
        with self.reads.connect() as conn:
            body = conn.execute(query).scalar_one_or_none()
        return None if body is None else json.loads(body)


_PLAN_COLUMNS = (
    plans.c.plan_id,
    plans.c.rep_id,
    plans.c.plan_date,
    plans.c.run_id,
    plans.c.created_at,
    plans.c.body,
)
