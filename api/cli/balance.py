"""`ironroute balance`: split a lead pool among reps from a JSON request; the same document
the HTTP API takes. Exit codes: 0 done, 1 the solver failed, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.cli._common import Roads, err, fail, read_json, travel_with_roads, write_json


def balance_table(doc: dict[str, Any], title: str) -> Table:
    """Each rep's share of a balance response, with the team metrics as the caption."""
    table = Table(title=title, title_justify="left")
    for name in (
        "rep",
        "new",
        "leads",
        "private",
        "value",
        "workload min",
        "travel min",
        "km",
        "stops",
        "short",
    ):
        table.add_column(name, justify="left" if name == "rep" else "right")
    mean = sum(r["workload_minutes"] for r in doc["reps"]) / max(1, len(doc["reps"]))
    for r in doc["reps"]:
        tag = "" if r["takes_pool"] else " [dim](private only)[/]"
        ratio = r["workload_minutes"] / mean if mean else 1.0
        style = "red" if abs(ratio - 1) > 0.05 else "green"
        table.add_row(
            r["rep_id"] + tag,
            "[cyan]yes[/]" if r["is_new"] else "",
            str(r["leads"]),
            str(r["private_leads"]),
            f"{r['value']:g}",
            f"[{style}]{r['workload_minutes']:.0f}[/]",
            f"{r['travel_minutes']:.0f}",
            f"{r['km']:.1f}",
            str(r["stops"]),
            str(r["shortfall"]) if r["shortfall"] else "",
        )
    m = doc["metrics"]
    reasons: dict[str, int] = {}
    for s in m["splits"]:
        reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
    split = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none"
    table.caption = (
        f"workload max/mean {m['workload_max_over_mean']:.3f} min/mean "
        f"{m['workload_min_over_mean']:.3f} · value spread {m['value_spread']:.1%} · "
        f"moved {m['leads_moved']} · unassigned {m['leads_unassigned']} · "
        f"buildings split {m['buildings_split']} ({split}) · overlap pairs "
        f"{len(m['overlap_km2'])} · {m['seconds']:.1f} s"
    )
    return table


def balance_cmd(
    request: Annotated[str, typer.Argument(help="Balance request JSON file ('-' for stdin)")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the result here (default stdout)")
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Also write the territories (GeoJSON) here")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.01, max=600, help="Seconds in all")
    ] = None,
    roads: Roads = None,
) -> None:
    """Split a lead pool among reps; write the assignment, figures and territories as JSON."""
    from api.documents.balance import balance_document
    from api.documents.day import InputError
    from planner import PlannerError

    travel = travel_with_roads(roads)
    data = read_json(request)
    if time_limit is not None and isinstance(data, dict):
        data["options"] = {**(data.get("options") or {}), "time_limit_s": time_limit}
    n_leads = len(data.get("leads") or []) if isinstance(data, dict) else 0
    n_reps = len(data.get("reps") or []) if isinstance(data, dict) else 0
    try:
        with err.status(f"balancing {n_leads} leads among {n_reps} reps…"):
            doc = balance_document(data, travel)
    except InputError as e:
        raise fail(2, f"invalid balance request {request}", e.errors) from None
    except PlannerError as e:
        raise fail(1, str(e)) from None
    write_json(doc, output)
    if geojson is not None:
        geojson.write_text(json.dumps(doc["territories"], ensure_ascii=False), encoding="utf-8")
    err.print(balance_table(doc, f"balance of {request}"))
    for u in doc["unassigned"][:10]:
        err.print(f"  [yellow]unassigned[/] {u['lead_id']}: {u['reason']}")
    if len(doc["unassigned"]) > 10:
        err.print(f"  … and {len(doc['unassigned']) - 10} more unassigned")


def balance_branch(
    branch: dict[str, Any], out: Path, *, new_reps: int, console: Console
) -> dict[str, Any]:
    """The demo's first step: balance the branch's pool (new reps join), write the request,
    the answer and the territories into ``out``, print the table; return the re-dealt
    branch."""
    from api.documents.balance import balance_document
    from planner.demo import pool_request, redeal_branch

    request = pool_request(branch, new_reps=new_reps)
    n = len(request["leads"])
    with console.status(f"balancing {n} leads among {len(request['reps'])} reps…"):
        doc = balance_document(request)
    (out / "balance-request.json").write_text(json.dumps(request, indent=2), "utf-8")
    (out / "balance.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
    (out / "territories.geojson").write_text(json.dumps(doc["territories"]), "utf-8")
    console.print(balance_table(doc, f"{branch['branch_id']} — the pool, balanced"))
    return redeal_branch(branch, doc["assignments"], new_reps=new_reps)
