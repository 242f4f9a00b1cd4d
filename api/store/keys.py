"""API keys: random bearer tokens kept only as SHA-256 digests, each with a role.

Roles: ``crm`` may do everything; ``manager`` may balance territories and read every plan;
``rep`` may read only the plans of its own ``rep_id``. A key is shown once, when created;
the server looks keys up by digest (they are 256-bit random, so a fast hash is enough).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from api.roles import ROLES, Role
from api.store.db import reader
from api.store.plans import Clock, as_utc, utc_now
from api.store.tables import api_keys

KEY_PREFIX = "irk_"


def digest(key: str) -> str:
    """The SHA-256 hex digest a key is stored and looked up by."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling: the key's public id, its role, and (for reps) whose plans it reads."""

    key_id: str
    role: Role
    rep_id: str | None = None
    name: str | None = None

    def may_read_rep(self, rep_id: str) -> bool:
        return self.role != "rep" or self.rep_id == rep_id


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyInfo:
    """A stored key as ``ironroute keys list`` shows it (never the key itself)."""

    key_id: str
    role: Role
    rep_id: str | None
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeySpecError(ValueError):
    """A key cannot be created as asked (role and rep_id disagree)."""


class KeyStore:
    """Create, look up, list and revoke API keys in the plan database."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def create(
        self, role: str, *, rep_id: str | None = None, name: str | None = None
    ) -> tuple[str, str]:
        """A new key for ``role``; returns ``(key_id, key)`` — the key is not kept."""
        if role not in ROLES:
            raise KeySpecError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if role == "rep" and not rep_id:
            raise KeySpecError("a rep key needs --rep-id: the rep whose plans it may read")
        if role != "rep" and rep_id:
            raise KeySpecError(f"--rep-id is only for rep keys; a {role} key reads every plan")
        key_id = secrets.token_hex(6)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_keys).values(
                    key_id=key_id,
                    sha256=digest(key),
                    role=role,
                    rep_id=rep_id,
                    name=name,
                    created_at=self.clock(),
                )
            )
        return key_id, key

    def authenticate(self, key: str) -> Principal | None:
        """The principal of a live key, or None for an unknown or revoked one."""
        query = select(api_keys.c.key_id, api_keys.c.role, api_keys.c.rep_id, api_keys.c.name)
        query = query.where(api_keys.c.sha256 == digest(key), api_keys.c.revoked_at.is_(None))
        with reader(self.engine).connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        return Principal(key_id=row.key_id, role=row.role, rep_id=row.rep_id, name=row.name)

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by its public id; False when there is no such live key."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
        return result.rowcount == 1

    def list(self) -> list[KeyInfo]:
        """Every key ever created, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
        return [
            KeyInfo(
                key_id=r.key_id,
                role=r.role,
                rep_id=r.rep_id,
                name=r.name,
                created_at=as_utc(r.created_at),
                revoked_at=None if r.revoked_at is None else as_utc(r.revoked_at),
            )
            for r in rows
        ]


class CachedKeys:
    """Live keys remembered for ``ttl_s`` seconds, so most requests skip the database.

    A revoked key stops working within ``ttl_s`` (0 turns the cache off); unknown keys
    are never remembered, so a new key works at once.
    """

    MAX_ENTRIES = 10_000

    def __init__(
        self, keys: KeyStore, *, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.keys = keys
        self.ttl_s = ttl_s
        self.clock = clock
        self._seen: dict[str, tuple[Principal, float]] = {}

    def cached(self, key: str) -> Principal | None:
        """The principal of ``key`` if it was seen live less than ``ttl_s`` ago."""
        hit = self._seen.get(digest(key))
        if hit is None or hit[1] <= self.clock():
            return None
        return hit[0]

    def authenticate(self, key: str) -> Principal | None:
        """``KeyStore.authenticate`` through the cache (blocking: call it off the loop)."""
        principal = self.cached(key) or self.keys.authenticate(key)
        if principal is not None and self.ttl_s > 0:
            if len(self._seen) >= self.MAX_ENTRIES:
                self._seen.clear()
            self._seen.setdefault(digest(key), (principal, self.clock() + self.ttl_s))
        return principal
