"""HTTP API load benchmark on loopback: GET latency at a fixed arrival rate, the highest GET
rate 50 concurrent clients sustain, and POST /v1/plans latency beside the solver's own time.

    python -m bench.api_load [--rate 300] [--seconds 20] [--clients 50] [--posts 12]
                             [--saturate N] [--solver-nice K]
                             [--database-url URL] [--http-workers N] [--json FILE]

It starts ``ironroute serve`` (a separate process, default settings, a fresh SQLite file
unless --database-url is given), creates a crm key, stores one plan per rep of the demo
branch, then measures in three phases:

1. **Open loop** (wrk2-style): GET /v1/reps/{rep}/plans/{date} sent on a fixed schedule of
   ``--rate`` requests/s whatever the answers do; each latency runs from the moment the
   request was *due*, so a stalled server is charged for the requests queued behind it.
2. **Closed loop**: ``--clients`` concurrent clients, each sending its next GET as soon as
   the last one is answered; the throughput is the highest rate the server sustains.
3. **POST /v1/plans**: ``--posts`` demo day problems (40 leads, default 1 s time limit) one
   after another; overhead = answer latency − the solve's time in the worker process (the
   server's ``Server-Timing`` header), i.e. HTTP, validation, the process hop and storage.
4. **Open loop while solving** (with ``--saturate N``): the open loop again while N clients
   keep posting day problems back to back, so that every solver process is busy the whole
   time (the morning run); ``--solver-nice`` sets the server's IRONROUTE_SOLVER_NICE.

The GET load comes from this process (asyncio, a minimal keep-alive HTTP/1.1 client, 64
connections in the open loop); on a 2-core machine it shares the CPUs with the server, so
the numbers are a floor, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.store.keys import KeyStore
from api.store.plans import PlanStore
from planner.demo.branch import day_problems, make_branch

OPEN_LOOP_CONNECTIONS = 64
IRONROUTE = str(Path(sys.executable).with_name("ironroute"))
console = Console(width=132)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    database_url: str, port: int, http_workers: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IRONROUTE_DATABASE_URL": database_url, **(extra_env or {})}
    proc = subprocess.Popen(
        [
            IRONROUTE,
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--http-workers",
            str(http_workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not become ready")


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GETs.

    A hand-rolled client because a general one (httpx) costs more CPU per request than the
    server does, and on two cores the client's cost shows up as the server's latency.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def get(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return int(head[9:12])

    def close(self) -> None:
        self.writer.close()


def requests_for(paths: list[str], headers: dict[str, str]) -> list[bytes]:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode() for p in paths]


async def open_loop(port: int, requests: list[bytes], rate: float, seconds: float) -> dict:
    """GETs due every 1/rate s over a pool of connections; latency from the due time."""
    n = int(rate * seconds)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(OPEN_LOOP_CONNECTIONS):
        pool.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    errors = 0
    began = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        nonlocal errors
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = await pool.get()
        try:
            ok = await conn.get(requests[i % len(requests)]) == 200
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ok = False
            conn = await Connection.open(port)
        pool.put_nowait(conn)
        if ok:
            latencies.append(time.perf_counter() - due)
        else:
            errors += 1

    await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.perf_counter() - began
    while not pool.empty():
        pool.get_nowait().close()
    return {"requests": n, "errors": errors, "achieved_rps": n / wall, **_stats(latencies)}


async def closed_loop(port: int, requests: list[bytes], clients: int, seconds: float) -> dict:
    """``clients`` connections, each sending its next GET when the last is answered."""
    latencies: list[float] = []
    errors = 0
    conns = [await Connection.open(port) for _ in range(clients)]
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal errors
        i = k
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            try:
                ok = await conns[k].get(requests[i % len(requests)]) == 200
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
                conns[k] = await Connection.open(port)
            if ok:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1
            i += clients

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    wall = time.perf_counter() - began
    for conn in conns:
        conn.close()
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "achieved_rps": len(latencies) / wall,
        **_stats(latencies),
    }


def _stats(latencies: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in latencies]
    return {
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "p999_ms": percentile(ms, 99.9),
        "max_ms": max(ms) if ms else float("nan"),
    }


def server_timing(header: str) -> dict[str, float]:
    """``Server-Timing: solve;dur=912.3;desc="…", store;dur=4.1`` as seconds by name."""
    out = {}
    for metric in header.split(","):
        name, *params = (p.strip() for p in metric.split(";"))
        for param in params:
            if param.startswith("dur="):
                out[name] = float(param[4:]) / 1000
    return out


def post_phase(base: str, headers: dict[str, str], problems: list[dict[str, Any]]) -> dict:
    """Sequential POSTs; each answer's latency beside the plan's own solver seconds."""
    rows = []
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for doc in problems:
            sent = time.perf_counter()
            r = client.post("/v1/plans", json=doc)
            wall = time.perf_counter() - sent
            if r.status_code != 201:
                raise SystemExit(f"POST answered {r.status_code}: {r.text[:300]}")
            timing = server_timing(r.headers.get("server-timing", ""))
            worker = timing["solve"]
            rows.append(
                {
                    "wall_s": wall,
                    "worker_s": worker,
                    "solver_s": float(r.json()["solver"]["seconds"]),
                    "store_s": timing["store"],
                    "overhead_s": wall - worker,
                }
            )
    out: dict[str, Any] = {"posts": len(rows)}
    for key in ("wall_s", "worker_s", "solver_s", "store_s", "overhead_s"):
        values = [row[key] for row in rows]
        out[key] = {
            "p50": statistics.median(values),
            "p90": percentile(values, 90),
            "max": max(values),
        }
    return out


def _post_until(
    base: str,
    headers: dict[str, str],
    problems: list[dict[str, Any]],
    clients: int,
    stop: Any,
    answers: Any,
) -> None:
    """``clients`` threads posting day problems back to back until ``stop`` is set; the
    count of each status goes to the queue ``answers``."""
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def post(k: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            i = k
            while not stop.is_set():
                status = client.post("/v1/plans", json=problems[i % len(problems)]).status_code
                with lock:
                    counts[status] = counts.get(status, 0) + 1
                i += clients

    threads = [threading.Thread(target=post, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers.put(counts)


class Saturation:
    """POST clients keeping every solver busy, in a process of their own (so that they do
    not take the GET load generator's CPU or GIL)."""

    def __init__(
        self, base: str, headers: dict[str, str], problems: list[dict[str, Any]], clients: int
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.queue: Any = ctx.Queue()
        self.answers: dict[int, int] = {}
        self.process = ctx.Process(
            target=_post_until, args=(base, headers, problems, clients, self.stop, self.queue)
        )

    def __enter__(self) -> Saturation:
        self.process.start()
        time.sleep(4.0)  # every solver process is busy before the clock starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.answers = self.queue.get(timeout=180)
        self.process.join(timeout=60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=300.0, help="open-loop GETs per second")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each GET phase")
    ap.add_argument("--clients", type=int, default=50, help="closed-loop concurrent clients")
    ap.add_argument("--posts", type=int, default=12, help="POST /v1/plans calls (max 50)")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    ap.add_argument("--http-workers", type=int, default=1, help="ironroute serve --http-workers")
    ap.add_argument(
        "--saturate", type=int, default=0, help="phase 4: POST clients keeping solvers busy"
    )
    ap.add_argument(
        "--solver-nice", type=int, default=None, help="IRONROUTE_SOLVER_NICE of the server"
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="ironroute-bench-")
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    store = PlanStore.from_url(url)
    store.migrate()
    _, key = KeyStore(store.engine).create("crm", name="bench")
    store.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    problems = day_problems(make_branch(seed=2026, n_reps=min(50, max(1, args.posts))))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with console.status("starting ironroute serve…"):
        nice = {} if args.solver_nice is None else {"IRONROUTE_SOLVER_NICE": str(args.solver_nice)}
        server = start_server(url, port, args.http_workers, nice)
    try:
        with console.status(f"POST /v1/plans × {len(problems)} (one plan per rep)…"):
            posts = post_phase(base, headers, problems)
        paths = [f"/v1/reps/{p['rep']['id']}/plans/{p['date']}" for p in problems]

        requests = requests_for(paths, headers)
        for p in paths:  # every plan answers before the clock starts
            assert httpx.get(base + p, headers=headers).status_code == 200

        async def gets() -> tuple[dict[str, Any], dict[str, Any]]:
            with console.status(f"open loop: {args.rate:g} GET/s for {args.seconds:g} s…"):
                opened = await open_loop(port, requests, args.rate, args.seconds)
            with console.status(f"closed loop: {args.clients} clients, {args.seconds:g} s…"):
                closed = await closed_loop(port, requests, args.clients, args.seconds)
            return opened, closed

        opened, closed = asyncio.run(gets())
        busy: dict[str, Any] | None = None
        if args.saturate:
            with (
                console.status(f"open loop while {args.saturate} clients keep POSTing…"),
                Saturation(base, headers, problems, args.saturate) as saturation,
            ):
                busy = asyncio.run(open_loop(port, requests, args.rate, args.seconds))
            busy["post_answers"] = dict(saturation.answers)
    finally:
        server.terminate()
        server.wait(timeout=30)
        tmp.cleanup()

    backend = url.split(":", 1)[0]
    table = Table(
        title=f"GET /v1/reps/{{id}}/plans/{{date}} on loopback ({backend}, "
        f"{args.http_workers} HTTP process{'es' if args.http_workers > 1 else ''})"
    )
    for col in (
        "phase",
        "requests",
        "errors",
        "rate /s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
    ):
        table.add_column(col, justify="left" if col == "phase" else "right")
    rows = [
        (f"open loop, {args.rate:g}/s scheduled", opened),
        (f"closed loop, {args.clients} clients", closed),
    ]
    if busy is not None:
        rows.append((f"open loop, {args.rate:g}/s, solvers saturated", busy))
    for name, row in rows:
        table.add_row(
            name,
            str(row["requests"]),
            str(row["errors"]),
            f"{row['achieved_rps']:.0f}",
            *(f"{row[k]:.1f}" for k in ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")),
        )
    console.print(table)
    post_table = Table(title=f"POST /v1/plans, {posts['posts']} demo problems (40 leads, 1 s)")
    for col in ("seconds", "p50", "p90", "max"):
        post_table.add_column(col, justify="left" if col == "seconds" else "right")
    for key_name, label in (
        ("wall_s", "answer latency (client)"),
        ("worker_s", "solve in the worker process"),
        ("solver_s", "  of which solver.seconds"),
        ("store_s", "store (one transaction)"),
        ("overhead_s", "overhead = latency − solve"),
    ):
        v = posts[key_name]
        post_table.add_row(label, f"{v['p50']:.3f}", f"{v['p90']:.3f}", f"{v['max']:.3f}")
    console.print(post_table)
    gets_row = busy if busy is not None else opened
    p99_ok = gets_row["p99_ms"] <= 25 and gets_row["errors"] == 0
    overhead_ok = posts["overhead_s"]["p50"] <= 0.050
    if busy is not None:
        console.print(f"POST answers while saturated: {busy['post_answers']}")
    console.print(
        f"targets: GET p99 ≤ 25 ms at {args.rate:g}/s"
        f"{' while solving' if busy is not None else ''} — "
        f"{'met' if p99_ok else 'MISSED'} ({gets_row['p99_ms']:.1f} ms); "
        f"POST overhead p50 ≤ 50 ms — {'met' if overhead_ok else 'MISSED'} "
        f"({posts['overhead_s']['p50'] * 1000:.0f} ms)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"open_loop": opened, "closed_loop": closed, "posts": posts, "saturated": busy},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
