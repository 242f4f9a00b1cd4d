"""Reports over stored visit records and plans: the audit of a day and a branch's debrief.

The same functions serve ``POST /v1/audits/visits``, ``GET /v1/branches/{id}/debrief/{date}``
and the ``ironroute audit`` / ``ironroute debrief`` commands.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from api.documents.audit import AuditRequestIn, audit_document, audit_report
from api.documents.debrief import debrief_document, rep_debrief
from api.store.plans import PlanStore
from api.store.visits import VisitStore


def _problem(plans: PlanStore, rep_id: str, day: date) -> dict[str, Any] | None:
    found = plans.latest_stored_plan(rep_id, day)
    return None if found is None else plans.get_problem(found.plan_id)


def audit_of_day(plans: PlanStore, request: AuditRequestIn) -> dict[str, Any]:
    """The audit document of the request's day: its reps' records against their plans."""
    visits = VisitStore(plans)
    rep_ids: list[str] | None = request.rep_ids
    if rep_ids is None and request.branch_id is not None:
        rep_ids = list(visits.branch_reps(request.branch_id, request.date))
    records = visits.of_day(request.date, rep_ids=rep_ids)
    reps = sorted({str(r["rep_id"]) for r in records})
    problems = {rep: _problem(plans, rep, request.date) for rep in reps}
    return audit_document(request, audit_report(request, records, problems))


def branch_debrief(plans: PlanStore, branch_id: str, day: date) -> dict[str, Any] | None:
    """The debrief of ``branch_id`` on ``day``; None when the branch has no rep that day."""
    visits = VisitStore(plans)
    reps = visits.branch_reps(branch_id, day)
    if not reps:
        return None
    records = visits.of_day(day, rep_ids=list(reps))
    by_rep: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_rep[str(r["rep_id"])].append(r)
    stored = {rep: plans.latest_stored_plan(rep, day) for rep in reps}
    problems = {
        rep: None if s is None else plans.get_problem(s.plan_id) for rep, s in stored.items()
    }
    request = AuditRequestIn(date=day, rep_ids=list(reps))
    report = audit_report(request, records, {rep: problems[rep] for rep in by_rep})
    rows = []
    for rep, group in reps.items():
        s = stored[rep]
        mode = str(((problems[rep] or {}).get("rep") or {}).get("mode") or "transit")
        plan = None if s is None else s.document()
        rows.append(rep_debrief(rep, group, plan, mode, by_rep.get(rep, []), report))
    return debrief_document(branch_id, day, rows)
