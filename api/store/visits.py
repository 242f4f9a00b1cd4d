"""VisitStore: the visit records reps report, kept as the documents that were answered.

    visits = VisitStore(plan_store)
    visits.save([doc, ...])                    # all or nothing; returns what was stored
    visits.of_rep_day("r17", "2026-11-27")     # that rep-day's records, by check-in
    visits.branch_reps("bj-wangjing", day)     # the reps of a branch that day (runs, records)

A record id is stored once: saving the same document again is a no-op that answers the
stored one (:class:`Saved` says which), and another document under a stored id is a
:class:`RecordConflict` — also when another transaction stores the id first, between this
one's read and its insert (the unique index refuses the insert; the record is read back).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from api.store.plans import PlanStore, dumps, sha256_json
from api.store.run_tables import runs
from api.store.visit_tables import visits


class RecordConflict(ValueError):
    """A record id is already stored with another document."""

    def __init__(self, record_id: str, field: str) -> None:
        super().__init__(f"record {record_id!r} is already stored with other content")
        self.record_id = record_id
        self.field = field


@dataclass(frozen=True, slots=True, kw_only=True)
class Saved:
    """A record as stored: its JSON text, and whether this call stored it (False: replay)."""

    record_id: str
    body: str
    created: bool


def _day(d: date | str) -> date:
    return date.fromisoformat(d) if isinstance(d, str) else d


class VisitStore:
    """Visit records in the plan database (the same engine and clock as ``plans``)."""

    def __init__(self, plans: PlanStore) -> None:
        self.plans = plans
        self.engine = plans.engine

    def save(
        self,
        docs: Sequence[dict[str, Any]],
        *,
        created_by: str | None = None,
        fields: Sequence[str] | None = None,
    ) -> list[Saved]:
        """Store every record in one transaction (or none: RecordConflict names the first
        stored id with other content; ``fields[i]`` is record i's field path for it)."""
        with self.engine.begin() as conn:
            return self.insert(conn, docs, created_by=created_by, fields=fields)

    def insert(
        self,
        conn: Connection,
        docs: Sequence[dict[str, Any]],
        *,
        created_by: str | None = None,
        fields: Sequence[str] | None = None,
    ) -> list[Saved]:
        """``save`` inside the caller's transaction.

        A record another transaction stores after this one read (its insert waits for that
        one, then meets the unique index) is answered as if it had been stored before: the
        insert is rolled back to a savepoint, the raced ids are read back, and the records
        are weighed again against them (a replay, or a RecordConflict)."""
        stored = self._stored(conn, [str(d["record_id"]) for d in docs])
        while True:
            out, rows = self._weigh(docs, stored, created_by=created_by, fields=fields)
            if not rows:
                return out
            try:
                with conn.begin_nested():
                    conn.execute(insert(visits), rows)
                return out
            except IntegrityError:
                raced = self._stored(conn, [str(r["record_id"]) for r in rows])
                if not raced:  # no other transaction stored any of them: not a race
                    raise
                stored.update(raced)  # grows every turn: the loop ends

    def _stored(self, conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The stored ``(sha256, body)`` of each of ``ids`` that is stored."""
        stored: dict[str, tuple[str, str]] = {}
        for chunk in range(0, len(ids), 500):
            rows = conn.execute(
                select(visits.c.record_id, visits.c.sha256, visits.c.body).where(
                    visits.c.record_id.in_(ids[chunk : chunk + 500])
                )
            ).all()
            stored.update({r.record_id: (r.sha256, r.body) for r in rows})
        return stored

    def _weigh(
        self,
        docs: Sequence[dict[str, Any]],
        stored: dict[str, tuple[str, str]],
        *,
        created_by: str | None,
        fields: Sequence[str] | None,
    ) -> tuple[list[Saved], list[dict[str, Any]]]:
        """What saving ``docs`` answers, given the ``stored`` records, and the rows to insert
        for the others; RecordConflict for the first stored id with other content."""
        now = self.plans.clock()
        out: list[Saved] = []
        rows_to_add = []
        for i, doc in enumerate(docs):
            record_id = str(doc["record_id"])
            digest = sha256_json(doc)
            if record_id in stored:
                if stored[record_id][0] != digest:
                    field = fields[i] if fields else "record_id"
                    raise RecordConflict(record_id, field)
                out.append(Saved(record_id=record_id, body=stored[record_id][1], created=False))
                continue
            body = dumps(doc)
            rows_to_add.append(
                {
                    "record_id": record_id,
                    "rep_id": str(doc["rep_id"]),
                    "visit_date": _day(str(doc["date"])),
                    "branch_id": doc.get("branch_id"),
                    "check_in": datetime.fromisoformat(str(doc["check_in"])),
                    "sha256": digest,
                    "body": body,
                    "created_by": created_by,
                    "created_at": now,
                }
            )
            out.append(Saved(record_id=record_id, body=body, created=True))
        return out, rows_to_add

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The stored record ``record_id``, or None."""
        query = select(visits.c.body).where(visits.c.record_id == record_id)
        with self.plans.reads.connect() as conn:
            body = conn.execute(query).scalar_one_or_none()
        return None if body is None else json.loads(body)

    def of_rep_day(self, rep_id: str, day: date | str) -> list[dict[str, Any]]:
        """Every record of ``rep_id`` on ``day``, by check-in (then storage order)."""
        query = (
            select(visits.c.body)
            .where(visits.c.rep_id == rep_id, visits.c.visit_date == _day(day))
            .order_by(visits.c.check_in, visits.c.seq)
        )
        with self.plans.reads.connect() as conn:
            return [json.loads(b) for b in conn.execute(query).scalars()]

    def of_day(
        self, day: date | str, *, rep_ids: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Every record of ``day`` (only those of ``rep_ids`` when given)."""
        query = select(visits.c.body).where(visits.c.visit_date == _day(day))
        if rep_ids is not None:
            query = query.where(visits.c.rep_id.in_(list(rep_ids)))
        query = query.order_by(visits.c.rep_id, visits.c.check_in, visits.c.seq)
        with self.plans.reads.connect() as conn:
            return [json.loads(b) for b in conn.execute(query).scalars()]

    def branch_reps(self, branch_id: str, day: date | str) -> dict[str, str | None]:
        """The reps of a branch on ``day`` and their groups: every rep of the branch's runs of
        that day (its ``group``, the latest run's), then reps whose records name the branch."""
        d = _day(day)
        out: dict[str, str | None] = {}
        with self.plans.reads.connect() as conn:
            bodies = conn.execute(
                select(runs.c.branch)
                .where(runs.c.branch_id == branch_id, runs.c.run_date == d)
                .order_by(runs.c.created_at)
            ).scalars()
            for body in bodies:
                for rep in json.loads(body).get("reps") or []:
                    if isinstance(rep, dict) and isinstance(rep.get("id"), str):
                        group = rep.get("group")
                        out[rep["id"]] = group if isinstance(group, str) else None
            reps = conn.execute(
                select(visits.c.rep_id)
                .where(visits.c.branch_id == branch_id, visits.c.visit_date == d)
                .distinct()
            ).scalars()
            for rep_id in sorted(reps):
                out.setdefault(rep_id, None)
        return out
