"""A branch's working day as the manager's console shows it: every rep's latest plan of that
date, the runs that planned them, and the territory balance they were dealt from.

Plans carry no branch: a branch's reps are the reps of the batch runs stored for that branch
and date (``POST /v1/runs``, ``ironroute run --db``, ``ironroute demo --db``), in the order
of the newest run. Each rep shows its newest plan of the date, so a re-plan posted to
``/v1/plans`` later replaces the run's plan, as it does on the rep's phone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from api.store.plans import PlanStore, as_utc
from api.store.run_tables import run_items, runs
from api.store.tables import balances, plans

BALANCES_SEARCHED = 20
"""How many of the newest stored balances are searched for one covering a branch's reps."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchDay:
    """Every rep of a branch on a date, with its newest plan (JSON text) if one is stored."""

    branch_id: str
    date: date
    runs: list[dict[str, Any]]
    reps: list[tuple[str, str | None]]
    """``(rep_id, plan JSON text or None)`` in the newest run's order."""
    balance: str | None
    """The balance result's JSON text, if one is given or found, else None."""


def branch_day(
    store: PlanStore, branch_id: str, day: date, balance_id: str | None = None
) -> BranchDay | None:
    """The branch's day, or None when no run of ``branch_id`` is stored for ``day``.

    ``balance_id`` names the balance to show; without it, the newest balance made for
    ``branch_id`` (its request named the branch), else the newest of the last
    ``BALANCES_SEARCHED`` stored balances whose reps include every rep of the branch.
    """
    with store.reads.connect() as conn:
        found = conn.execute(
            select(
                runs.c.run_id,
                runs.c.state,
                runs.c.total,
                runs.c.created_at,
                runs.c.finished_at,
            )
            .where(runs.c.branch_id == branch_id, runs.c.run_date == day)
            .order_by(runs.c.created_at.desc(), runs.c.run_id)
        ).all()
        if not found:
            return None
        items = conn.execute(
            select(run_items.c.run_id, run_items.c.rep_id, run_items.c.position).where(
                run_items.c.run_id.in_([r.run_id for r in found])
            )
        ).all()
        order = {r.run_id: k for k, r in enumerate(found)}
        rep_ids: list[str] = []
        for item in sorted(items, key=lambda i: (order[i.run_id], i.position)):
            if item.rep_id not in rep_ids:
                rep_ids.append(item.rep_id)
        bodies: dict[str, str] = {}
        rows = conn.execute(
            select(plans.c.rep_id, plans.c.body)
            .where(plans.c.rep_id.in_(rep_ids), plans.c.plan_date == day)
            .order_by(plans.c.seq)
        ).all()
        for row in rows:  # oldest first: the newest plan of each rep wins
            bodies[row.rep_id] = row.body
        balance = _balance(conn, balance_id, branch_id, set(rep_ids))
    return BranchDay(
        branch_id=branch_id,
        date=day,
        runs=[
            {
                "run_id": r.run_id,
                "state": r.state,
                "total": r.total,
                "created_at": as_utc(r.created_at).isoformat(timespec="seconds"),
                "finished_at": None
                if r.finished_at is None
                else as_utc(r.finished_at).isoformat(timespec="seconds"),
            }
            for r in found
        ],
        reps=[(rep_id, bodies.get(rep_id)) for rep_id in rep_ids],
        balance=balance,
    )


def _balance(conn: Any, balance_id: str | None, branch_id: str, rep_ids: set[str]) -> str | None:
    if balance_id is not None:
        body = conn.execute(
            select(balances.c.result).where(balances.c.balance_id == balance_id)
        ).scalar_one_or_none()
        return None if body is None else str(body)
    own = conn.execute(
        select(balances.c.result)
        .where(balances.c.branch_id == branch_id)
        .order_by(balances.c.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if own is not None:
        return str(own)
    newest = conn.execute(
        select(balances.c.result).order_by(balances.c.seq.desc()).limit(BALANCES_SEARCHED)
    ).scalars()
    for body in newest:
        covered = {r.get("rep_id") for r in json.loads(body).get("reps") or ()}
        if rep_ids <= covered:
            return str(body)
    return None
