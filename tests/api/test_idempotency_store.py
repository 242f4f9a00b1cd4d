"""IdempotencyStore on both backends: claims, replays, releases, expiry and take-over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.http.errors import Conflict, InvalidInput
from api.http.idempotency import IdempotencyStore, Replay, fingerprint


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(store, clock) -> IdempotencyStore:
    return IdempotencyStore(store.engine, ttl_s=3600, stale_after_s=60, clock=clock)


def _finish(keys: IdempotencyStore, key: str, body: str) -> None:
    with keys.engine.begin() as conn:
        keys.finish(conn, "crm1", key, 201, body)


def test_the_first_claim_goes_ahead_and_a_finished_one_replays(keys):
    assert keys.claim("crm1", "k", "fp") is None
    with pytest.raises(Conflict):
        keys.claim("crm1", "k", "fp")  # still pending
    _finish(keys, "k", '{"plan_id":"p1"}')
    assert keys.claim("crm1", "k", "fp") == Replay(201, '{"plan_id":"p1"}')
    with pytest.raises(InvalidInput):
        keys.claim("crm1", "k", "other body")
    assert keys.claim("crm2", "k", "fp") is None  # another API key, another scope


def test_a_released_claim_lets_the_retry_solve_again(keys):
    assert keys.claim("crm1", "k", "fp") is None
    keys.release("crm1", "k")
    assert keys.claim("crm1", "k", "fp") is None


def test_a_claim_left_pending_by_a_dead_server_is_taken_over_when_stale(keys, clock):
    assert keys.claim("crm1", "k", "fp") is None
    clock.now += timedelta(seconds=59)
    with pytest.raises(Conflict):
        keys.claim("crm1", "k", "fp")
    clock.now += timedelta(seconds=2)
    assert keys.claim("crm1", "k", "fp") is None  # taken over
    with pytest.raises(Conflict):
        keys.claim("crm1", "k", "fp")  # and now held by the new claim


def test_an_answer_is_forgotten_after_its_ttl(keys, clock):
    assert keys.claim("crm1", "k", "fp") is None
    _finish(keys, "k", "{}")
    clock.now += timedelta(seconds=3599)
    assert keys.claim("crm1", "k", "fp") == Replay(201, "{}")
    clock.now += timedelta(seconds=2)
    assert keys.claim("crm1", "k", "another body") is None  # a new request under the key


def test_fingerprints_separate_their_parts():
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
    assert fingerprint("POST", "x") == fingerprint("POST", b"x")
