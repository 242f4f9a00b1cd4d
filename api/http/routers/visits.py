"""``/v1/visits`` and ``/v1/reps/{rep_id}/visits/{date}``: the visit records reps report."""

from __future__ import annotations

import json
from datetime import date as Date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.documents.day import InputError
from api.documents.visits import RepDayVisitsOut, VisitIn, VisitOut, check_record, record_document
from api.http.deps import PlanReader, ServicesDep, VisitWriter, read
from api.http.errors import Conflict, Forbidden, InvalidInput, NotFound, error_responses
from api.http.idempotency import Claim, idempotent
from api.http.routers.plans import JSON, IdempotencyKey
from api.store.plans import sha256_json
from api.store.visits import RecordConflict, Saved, VisitStore

router = APIRouter(tags=["visits"])
RepId = Annotated[str, Path(min_length=1, max_length=128, description="The rep's CRM id")]


@router.post(
    "/v1/visits",
    operation_id="create_visit",
    summary="Store a visit record",
    status_code=201,
    response_model=VisitOut,
    responses={
        200: {"model": VisitOut, "description": "Already stored: the stored record (replayed)"},
        201: {"description": "Stored; the record with its `record_id`"},
        **error_responses(401, 403, 409, 413, 422, 503),
    },
)
async def create_visit(
    visit: VisitIn,
    request: Request,
    principal: VisitWriter,
    svc: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A rep reports its own visits (a rep key posts only for its own rep); crm and manager
    keys post for any rep. Posting a `record_id` again answers the stored record (`200`,
    `Idempotent-Replayed: true`); the same id with other content is `409 record_conflict`.
    Nothing is stored unless every field is valid (`422` names each bad one)."""
    if not principal.may_read_rep(visit.rep_id):
        raise Forbidden(f"this rep key reports only the visits of rep {principal.rep_id!r}")
    try:
        check_record(visit)
    except InputError as err:
        raise InvalidInput(
            f"invalid visit record: {err.errors[0]['field']}", details=err.errors
        ) from None
    raw: dict[str, Any] = json.loads(await request.body())
    doc = record_document(visit)
    store = VisitStore(svc.store)

    async def handle(claim: Claim) -> Response:
        def _store() -> Saved:
            with svc.store.engine.begin() as conn:
                (saved,) = store.insert(conn, [doc], created_by=principal.key_id)
                claim.finish(conn, 201 if saved.created else 200, saved.body)
                return saved

        try:
            saved = await run_in_threadpool(_store)
        except RecordConflict as err:
            raise Conflict(
                str(err),
                code="record_conflict",
                details=[{"field": "record_id", "message": "stored with other content"}],
            ) from None
        if not saved.created:
            return Response(saved.body, media_type=JSON, headers={"Idempotent-Replayed": "true"})
        return Response(saved.body, status_code=201, media_type=JSON)

    fp = ("POST /v1/visits", sha256_json(raw))
    return await idempotent(svc.idempotency, principal.key_id, idempotency_key, fp, handle)


@router.get(
    "/v1/reps/{rep_id}/visits/{date}",
    operation_id="get_rep_visits",
    summary="A rep's visit records of a day",
    response_model=RepDayVisitsOut,
    responses=error_responses(401, 403, 422),
)
async def get_rep_visits(
    rep_id: RepId,
    date: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The day, YYYY-MM-DD")],
    principal: PlanReader,
    svc: ServicesDep,
) -> Response:
    """Every record of that rep and day, by check-in (an empty list when there is none)."""
    try:
        day = Date.fromisoformat(date)
    except ValueError:
        raise InvalidInput(
            f"no such day: {date!r}", details=[{"field": "path.date", "message": "no such day"}]
        ) from None
    if not principal.may_read_rep(rep_id):
        raise Forbidden(f"this rep key reads only the visits of rep {principal.rep_id!r}")
    records = await read(svc, VisitStore(svc.store).of_rep_day, rep_id, day)
    body = {"rep_id": rep_id, "date": day.isoformat(), "records": records}
    return Response(json.dumps(body, ensure_ascii=False), media_type=JSON)


@router.get(
    "/v1/visits/{record_id}",
    operation_id="get_visit",
    summary="A stored visit record",
    response_model=VisitOut,
    responses=error_responses(401, 403, 404, 422),
)
async def get_visit(
    record_id: Annotated[str, Path(min_length=1, max_length=128)],
    principal: PlanReader,
    svc: ServicesDep,
) -> Response:
    """The record as it was stored."""
    doc = await read(svc, VisitStore(svc.store).get, record_id)
    if doc is None or not principal.may_read_rep(str(doc["rep_id"])):
        raise NotFound(f"no visit record with id {record_id!r}")
    return Response(json.dumps(doc, ensure_ascii=False), media_type=JSON)
