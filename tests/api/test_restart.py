"""`ironroute serve` killed and started again: nothing answered 201 is lost (both backends)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import assert_plan_valid

IRONROUTE = str(Path(sys.executable).with_name("ironroute"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            IRONROUTE,
            "serve",
            "--port",
            str(port),
            "--solver-workers",
            "1",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not become ready")


def crm_key(env: dict[str, str], cwd: Path) -> str:
    """A new crm API key made by `ironroute keys create` in the database of ``env``."""
    created = subprocess.run(
        [IRONROUTE, "keys", "create", "--role", "crm"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def test_a_killed_server_restarts_with_every_plan_it_answered_201(
    db_url, tmp_path, small_problem_doc
):
    env = {**os.environ, "IRONROUTE_DATABASE_URL": db_url, "IRONROUTE_DEFAULT_TIME_LIMIT_S": "0.3"}
    key = crm_key(env, tmp_path)
    assert key.startswith("irk_")
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, tmp_path, port)
    try:
        answered = []
        for _ in range(3):
            r = httpx.post(base + "/v1/plans", json=small_problem_doc, headers=headers, timeout=60)
            assert r.status_code == 201
            answered.append(r)
    finally:
        server.send_signal(signal.SIGKILL)  # no shutdown hook runs
        server.wait()
    server = _serve(env, tmp_path, port)
    try:
        for r in answered:
            again = httpx.get(base + f"/v1/plans/{r.json()['plan_id']}", headers=headers)
            assert again.status_code == 200
            assert again.content == r.content
            assert_plan_valid(small_problem_doc, again.json())
        latest = httpx.get(base + "/v1/reps/r17/plans/2026-11-27", headers=headers)
        assert latest.content == answered[-1].content
    finally:
        server.terminate()
        server.wait(timeout=30)
