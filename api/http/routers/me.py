"""``/v1/me``: who the caller's key is (the console picks its view by the role)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.http.deps import PlanReader
from api.http.errors import error_responses
from api.roles import Role

router = APIRouter(prefix="/v1", tags=["keys"])


class Me(BaseModel):
    """The calling key: its public id, role and (for a rep key) its rep."""

    key_id: str
    role: Role
    rep_id: str | None = Field(description="The rep whose plans a rep key reads; else null")
    name: str | None


@router.get(
    "/me",
    operation_id="get_me",
    summary="The calling key's role and rep",
    response_model=Me,
    responses=error_responses(401, 403),
)
async def get_me(principal: PlanReader) -> Me:
    """Never the key itself."""
    return Me(
        key_id=principal.key_id, role=principal.role, rep_id=principal.rep_id, name=principal.name
    )
