"""Errors over HTTP: 413 for big bodies, 422 naming the field, the error body everywhere,
and every error response declared in the OpenAPI document."""

from __future__ import annotations

import copy
import json

import httpx
import pytest

from tests.api.conftest import TEST_SETTINGS


def _post(api, content: bytes | None = None, **kw) -> httpx.Response:
    headers = {**api.auth("crm"), "Content-Type": "application/json", **kw.pop("headers", {})}
    return httpx.post(api.url + "/v1/plans", content=content, headers=headers, timeout=60, **kw)


def test_a_body_over_the_limit_is_413_before_it_is_read(api, small_problem_doc):
    big = copy.deepcopy(small_problem_doc)
    big["leads"] = [{**big["leads"][2], "id": f"X{i}"} for i in range(500)]
    for lead in big["leads"]:
        lead["id"] = lead["id"] + "-" + "x" * 700
    content = json.dumps(big).encode()
    assert len(content) > TEST_SETTINGS["max_body_bytes"]
    r = _post(api, content)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"
    assert str(TEST_SETTINGS["max_body_bytes"]) in r.json()["message"]


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(api):
    def chunks():
        yield b'{"leads": ['
        for _ in range(400):
            yield b'{"id": "' + b"y" * 1000 + b'"},'
        yield b"]}"

    r = _post(api, chunks())  # chunked transfer encoding: no Content-Length
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("leads", 0, "location", "lat"), 91.0, "leads[0].location.lat"),  # out of range
        (("leads", 0, "windows"), [["10:30", "10:00"]], "leads[0].windows[0]"),  # reversed
        (("leads", 3, "building_id"), "NOPE", "leads[3].building_id"),  # unknown building
        (("leads", 1, "id"), "L1", "leads[1].id"),  # duplicate id
        (("rep", "colour"), "red", "rep.colour"),  # unknown field, never ignored
        (("date",), "2026-13-01", "date"),  # no such day
        (("timezone",), "Mars/Olympus", "timezone"),  # no such time zone
    ],
)
def test_an_invalid_problem_is_422_naming_the_field(api, small_problem_doc, path, value, field):
    doc = copy.deepcopy(small_problem_doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    r = _post(api, json.dumps(doc).encode())
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_input"
    assert field in [d["field"] for d in body["details"]]
    assert "Traceback" not in r.text


def test_a_body_that_is_not_json_is_422_saying_so(api):
    r = _post(api, b'{"date": ')
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"
    assert "JSON" in r.json()["details"][0]["message"]


def test_bad_query_header_and_path_values_are_422_naming_them(api, small_problem_doc):
    content = json.dumps(small_problem_doc).encode()
    r = _post(api, content, params={"dry_run": "maybe"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "query.dry_run"
    r = _post(api, content, headers={"Idempotency-Key": "k" * 300})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "header.Idempotency-Key"
    r = httpx.get(api.url + "/v1/reps/r17/plans/yesterday", headers=api.auth("crm"))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "path.date"


def test_a_query_parameter_no_operation_declares_is_422_not_ignored(api, small_problem_doc):
    content = json.dumps(small_problem_doc).encode()
    r = _post(api, content, params={"dry_run": "true", "dryrun": "true"})
    assert r.status_code == 422 and [d["field"] for d in r.json()["details"]] == ["query.dryrun"]
    r = httpx.get(api.url + "/v1/reps/r17/plans/2026-11-27?v=2", headers=api.auth("crm"))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "query.v"
    r = httpx.post(api.url + "/v1/runs?runid=x", json={}, headers=api.auth("crm"), timeout=30)
    assert r.status_code == 422 and "query.runid" in r.json()["message"]
    # declared parameters still work
    r = _post(api, content, params={"dry_run": "true"})
    assert r.status_code == 200


def test_unknown_routes_and_methods_answer_the_error_body(api):
    r = httpx.get(api.url + "/v2/nothing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = httpx.delete(api.url + "/v1/plans", headers=api.auth("crm"))
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_every_error_response_is_declared_with_the_error_body_schema(api):
    doc = httpx.get(api.url + "/openapi.json").json()
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    assert len(operations) >= 8
    for op in operations:
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "500" in errors, op["operationId"]
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (op, status)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    ids = {op["operationId"] for op in operations}
    assert {"create_plan", "get_plan", "get_latest_rep_plan", "get_plan_ics"} <= ids
    assert doc["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
