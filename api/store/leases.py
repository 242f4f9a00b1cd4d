"""Run leases: at most one server plans a run at a time.

A server takes a run's lease with one conditional UPDATE (free, expired or already its own);
the row lock (PostgreSQL) or the database write lock (SQLite) makes it atomic, so of two
servers asking at once exactly one gets ``rowcount == 1``. The holder renews it while it
plans; a server that dies stops renewing, and once ``lease_expires_at`` passes any other
server may take the run over. Instants come from the store's clock: servers sharing a
database need clocks within a small part of the lease of each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from api.store.plans import PlanStore
from api.store.run_tables import runs


def take_lease(plans: PlanStore, run_id: str, owner: str, lease_s: float) -> bool:
    """Claim unfinished run ``run_id`` for ``owner`` for ``lease_s`` seconds.

    True when the lease is now ``owner``'s: it was free, expired, or ``owner``'s already
    (then it is renewed). False when another owner holds it, or the run is finished or
    unknown.
    """
    now = plans.clock()
    free = or_(
        runs.c.lease_owner.is_(None),
        runs.c.lease_owner == owner,
        runs.c.lease_expires_at.is_(None),
        runs.c.lease_expires_at <= now,
    )
    statement = (
        update(runs)
        .where(and_(runs.c.run_id == run_id, runs.c.state == "running", free))
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_s))
    )
    with plans.engine.begin() as conn:
        return bool(conn.execute(statement).rowcount)


def renew_lease(plans: PlanStore, run_id: str, owner: str, lease_s: float) -> bool:
    """Extend ``owner``'s lease on ``run_id``; False when it is no longer ``owner``'s (another
    server took the run over after it expired, or it was released)."""
    now = plans.clock()
    statement = (
        update(runs)
        .where(runs.c.run_id == run_id, runs.c.lease_owner == owner)
        .values(lease_expires_at=now + timedelta(seconds=lease_s))
    )
    with plans.engine.begin() as conn:
        return bool(conn.execute(statement).rowcount)


def release_lease(plans: PlanStore, run_id: str, owner: str) -> None:
    """Give ``owner``'s lease on ``run_id`` up, so another server may take the run at once."""
    statement = (
        update(runs)
        .where(runs.c.run_id == run_id, runs.c.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )
    with plans.engine.begin() as conn:
        conn.execute(statement)


def lease_of(plans: PlanStore, run_id: str) -> tuple[str | None, datetime | None]:
    """``(owner, expires_at)`` of run ``run_id``'s lease (``(None, None)`` when free)."""
    query = select(runs.c.lease_owner, runs.c.lease_expires_at).where(runs.c.run_id == run_id)
    with plans.engine.connect() as conn:
        row = conn.execute(query).one_or_none()
    return (None, None) if row is None else (row.lease_owner, row.lease_expires_at)


def claimable_runs(plans: PlanStore) -> list[str]:
    """Unfinished runs whose lease is free or expired (oldest first): those to take over."""
    now = plans.clock()
    query = (
        select(runs.c.run_id)
        .where(
            runs.c.state == "running",
            or_(
                runs.c.lease_owner.is_(None),
                runs.c.lease_expires_at.is_(None),
                runs.c.lease_expires_at <= now,
            ),
        )
        .order_by(runs.c.created_at)
    )
    with plans.engine.connect() as conn:
        return list(conn.execute(query).scalars())
