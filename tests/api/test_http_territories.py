"""``POST /v1/territories/balance`` over HTTP: crm and manager keys balance, the result is
stored and read back, bad requests are 422 naming the field."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from api.documents.balance import BalanceResponse
from tests.conftest import DATA


@pytest.fixture(scope="module")
def balance_request() -> dict[str, Any]:
    """Three reps (one new), ten leads, a private lead, a reclaimed lead, one building."""
    return json.loads((DATA / "balance_small.json").read_text())


def _balance(api, doc: dict[str, Any], who: str | None = "crm") -> httpx.Response:
    with api.client(who) as c:
        return c.post("/v1/territories/balance", json=doc)


@pytest.mark.parametrize("who", ["crm", "manager"])  # the two roles that may balance
def test_a_balance_is_answered_201_and_stored(api, balance_request, who):
    r = _balance(api, balance_request, who)
    assert r.status_code == 201, r.text
    doc = r.json()
    BalanceResponse.model_validate({k: v for k, v in doc.items() if k != "balance_id"})
    leads = {x["id"] for x in balance_request["leads"]}
    placed = set(doc["assignments"]) | {u["lead_id"] for u in doc["unassigned"]}
    assert placed == leads and len(doc["assignments"]) + len(doc["unassigned"]) == len(leads)
    assert doc["assignments"]["P1"] == "r17"  # a private lead stays with its owner
    assert doc["assignments"].get("P5") != "r17"  # a reclaimed lead goes to someone new
    assert doc["assignments"]["P2"] == doc["assignments"]["P1"]  # building B7 kept whole
    assert r.headers["location"] == f"/v1/territories/balances/{doc['balance_id']}"
    with api.client("manager") as c:
        again = c.get(r.headers["location"])
    assert again.status_code == 200 and again.json() == doc
    assert api.store.get_balance(doc["balance_id"]) == doc


def test_rep_keys_may_not_balance_and_anonymous_calls_are_401(api, balance_request):
    assert _balance(api, balance_request, "rep").status_code == 403
    assert _balance(api, balance_request, None).status_code == 401
    with api.client("rep") as c:
        assert c.get("/v1/territories/balances/x").status_code == 403
    with api.client("crm") as c:
        missing = c.get("/v1/territories/balances/x")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("index", "change", "field"),
    [
        (4, {"previous_owner": None}, "leads[4].previous_owner"),  # reclaimed from nobody
        (2, {"owner": "r404"}, "leads[2].owner"),  # owner is not a rep of the request
        (0, {"colour": "red"}, "leads[0].colour"),  # unknown field, never ignored
        (3, {"value": 101}, "leads[3].value"),  # score over 100
    ],
)
def test_an_invalid_balance_request_is_422_naming_the_field(
    api, balance_request, index, change, field
):
    doc = copy.deepcopy(balance_request)
    doc["leads"][index].update(change)
    r = _balance(api, doc)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"
    assert field in [d["field"] for d in r.json()["details"]]
