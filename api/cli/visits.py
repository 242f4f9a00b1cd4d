"""``ironroute visits import``, ``ironroute audit`` and ``ironroute debrief``: visit records
into the database (all or nothing), the day's audit and a branch's evening debrief, as the
same JSON the HTTP API answers. Exit codes: 0 done, 2 bad input (every bad row named)."""

from __future__ import annotations

import json
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.cli._common import DatabaseUrl, err, fail, read_json, settings_from, write_json

if TYPE_CHECKING:
    from api.store.plans import PlanStore

visits_app = typer.Typer(help="Visit records reps report.", no_args_is_help=True)
Output = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write the JSON here (default stdout)")
]


def _store(database_url: str | None) -> PlanStore:
    from api.store.plans import PlanStore

    store = PlanStore.from_url(settings_from(database_url=database_url).database_url)
    store.migrate()
    return store


def _rows(path: str) -> tuple[list[Any], list[str]]:
    from api.documents.visits import rows_from_csv

    if path.lower().endswith(".csv"):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as e:
            raise fail(2, f"cannot read {path}: {e.strerror or e}") from None
        return rows_from_csv(text)
    data = read_json(path)
    items = data.get("records") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise fail(2, f"{path}: expected a list of records or {{'records': [...]}}")
    prefix = "records" if isinstance(data, dict) else ""
    return items, [f"{prefix}[{i}]" for i in range(len(items))]


@visits_app.command("import")
def import_visits(
    file: Annotated[str, typer.Argument(help="Records as JSON (a list) or CSV ('-': JSON stdin)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Store visit records: all of them, or none when any row is bad (each one is named).
    A record id already stored with the same content is skipped; with other content it is
    an error."""
    from api.documents.day import InputError
    from api.documents.visits import MAX_RECORDS, parse_visits
    from api.store.visits import RecordConflict, VisitStore

    items, where = _rows(file)
    if len(items) > MAX_RECORDS:
        raise fail(2, f"{file}: {len(items)} records, at most {MAX_RECORDS} per import")
    try:
        docs = parse_visits(items, where)
    except InputError as e:
        raise fail(2, f"{file}: {len(e.errors)} problem(s); nothing stored", e.errors) from None
    by_id = {d["record_id"]: where[i] for i, d in enumerate(docs)}
    fields = [f"{by_id[d['record_id']]}.record_id" for d in docs]
    try:
        saved = VisitStore(_store(database_url)).save(docs, fields=fields)
    except RecordConflict as e:
        details = [{"field": e.field, "message": str(e)}]
        raise fail(2, f"{file}: nothing stored", details) from None
    created = sum(s.created for s in saved)
    err.print(f"stored {created} record(s); {len(saved) - created} already stored")


def audit_table(doc: dict[str, Any]) -> Table:
    """One row per rep-day: records, score, flagged, flags."""
    table = Table(title=f"visit audit {doc['date']}", title_justify="left")
    for name in ("rep", "records", "score", "flagged", "flags"):
        table.add_column(name, justify="left" if name in ("rep", "flags") else "right")
    for d in doc["days"]:
        flags = ", ".join(f"{k} {v}" for k, v in sorted(d["flag_counts"].items()))
        table.add_row(
            d["rep_id"],
            str(d["records"]),
            f"{d['score']:.0f}",
            "[red]yes[/]" if d["flagged"] else "",
            flags,
        )
    s = doc["summary"]
    table.caption = (
        f"{s['flagged_rep_days']}/{s['rep_days']} rep-days and {s['flagged_records']}/"
        f"{s['records']} records flagged · sample: {', '.join(doc['sample']) or '-'}"
    )
    return table


def audit(
    request: Annotated[
        str | None,
        typer.Argument(help="Audit request JSON, as POST /v1/audits/visits takes ('-': stdin)"),
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="The day (overrides the file)")] = None,
    rep: Annotated[list[str] | None, typer.Option("--rep", help="Only this rep (repeat)")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="Only this branch")] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="Sample size")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Sample seed")] = None,
    output: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Audit a day's stored visit records against the reps' plans: flags, scores, a sample."""
    from api.documents.audit import parse_audit_request, thresholds_domain
    from api.documents.day import InputError
    from api.store.reports import audit_of_day

    data: Any = read_json(request) if request is not None else {}
    if not isinstance(data, dict):
        raise fail(2, "the audit request is a JSON object")
    for key, value in (("date", date), ("rep_ids", rep or None), ("branch_id", branch)):
        if value is not None:
            data[key] = value
    if sample is not None or seed is not None:
        data["sample"] = {**(data.get("sample") or {})}
        if sample is not None:
            data["sample"]["size"] = sample
        if seed is not None:
            data["sample"]["seed"] = seed
    try:
        parsed = parse_audit_request(data)
        thresholds_domain(parsed.thresholds)
    except InputError as e:
        raise fail(2, "invalid audit request", e.errors) from None
    doc = audit_of_day(_store(database_url), parsed)
    write_json(doc, output)
    err.print(audit_table(doc))


def debrief_table(doc: dict[str, Any]) -> Table:
    """One row per rep, grouped: plan/actual visits, effective, sweeps, km, on time, misses."""
    table = Table(title=f"debrief {doc['branch_id']} {doc['date']}", title_justify="left")
    names = ("group", "rep", "visits", "effective", "sweeps", "km", "on time", "misses", "audit")
    for name in names:
        table.add_column(name, justify="left" if name in ("group", "rep", "misses") else "right")
    for g in doc["groups"]:
        for r in g["reps"]:
            p, a = r["planned"] or {}, r["actual"]

            def pa(key: str, fmt: str = "{}", p: dict[str, Any] = p, a: dict[str, Any] = a) -> str:
                planned = fmt.format(p[key]) if key in p else "-"
                return f"{fmt.format(a[key])}/{planned}"

            misses = ", ".join(f"{k} {v}" for k, v in sorted(r["misses"].items()))
            table.add_row(
                g["group"] or "-",
                r["rep_id"],
                pa("visits"),
                pa("effective"),
                pa("sweeps"),
                pa("km", "{:.1f}"),
                f"{a['on_time']}/{a['on_time'] + a['late']}",
                misses,
                f"[red]{r['audit']['score']:.0f}[/]"
                if r["audit"]["flagged"]
                else f"{r['audit']['score']:.0f}",
            )
    table.caption = "actual/planned; on time: planned visits checked in <= 15 min late"
    return table


def debrief(
    branch_id: Annotated[str, typer.Argument(help="The branch")],
    date: Annotated[str, typer.Argument(help="The day, YYYY-MM-DD")],
    output: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """A branch's evening debrief: plan against reports per group and rep, misses, flags."""
    from api.store.reports import branch_debrief

    try:
        day = Date.fromisoformat(date)
    except ValueError:
        raise fail(2, f"date: not a YYYY-MM-DD day: {date!r}") from None
    doc = branch_debrief(_store(database_url), branch_id, day)
    if doc is None:
        raise fail(2, f"no run or visit record of branch {branch_id!r} on {date}")
    write_json(json.loads(json.dumps(doc)), output)
    err.print(debrief_table(doc))
