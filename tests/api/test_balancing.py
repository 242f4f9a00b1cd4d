"""The balance request and response documents (api.documents.balance) and `ironroute balance`."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from api.cli.main import app
from api.documents.balance import BalanceRequest, BalanceResponse, balance_document
from api.documents.day import InputError
from geo import LatLon, gcj02_to_wgs84

runner = CliRunner()


def request() -> dict[str, Any]:
    """Three reps (one new), nine leads in two buildings and one loose lead."""
    base = {"lat": 39.9968, "lon": 116.4807}
    reps = [
        {"id": "r1", "base": base, "min_leads": 2, "max_leads": 5},
        {"id": "r2", "base": {"lat": 40.0065, "lon": 116.4885}, "min_leads": 2},
        {"id": "r3", "base": base, "is_new": True, "min_leads": 2, "mode": "bike"},
    ]
    buildings = [
        {"id": "B1", "location": {"lat": 39.9955, "lon": 116.4795}},
        {"id": "B2", "location": {"lat": 40.0065, "lon": 116.4885}, "name": "Science Park 1"},
    ]
    leads = []
    for i in range(9):
        b = buildings[i % 2]
        leads.append(
            {
                "id": f"L{i}",
                "location": {"lat": b["location"]["lat"] + 1e-4 * i, "lon": b["location"]["lon"]},
                "building_id": b["id"],
                "value": 10 * i,
                "owner": "r1",
                "effort_minutes": 30,
            }
        )
    leads[0]["status"] = "private"
    leads[1].update(status="reclaimed", owner=None, previous_owner="r2")
    leads.append({"id": "X", "location": {"lat": 39.99, "lon": 116.47}, "value": 55})
    return {"reps": reps, "leads": leads, "buildings": buildings, "options": {"time_limit_s": 5}}


def test_a_balance_document_answers_with_every_lead_exactly_once() -> None:
    doc = balance_document(request())
    BalanceResponse.model_validate(doc)
    ids = {lead["id"] for lead in request()["leads"]}
    assert set(doc["assignments"]) | {u["lead_id"] for u in doc["unassigned"]} == ids
    assert doc["assignments"]["L0"] == "r1"  # private
    assert doc["assignments"]["L1"] != "r2"  # reclaimed from r2
    assert {r["rep_id"] for r in doc["reps"]} == {"r1", "r2", "r3"}
    for r in doc["reps"]:
        assert r["leads"] == len(r["lead_ids"])
        assert r["workload_minutes"] == pytest.approx(
            r["visit_minutes"] + r["travel_minutes"], abs=0.02
        )
    assert doc["territories"]["type"] == "FeatureCollection"
    for feature in doc["territories"]["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        lon, lat = ring[0]
        assert 116 < lon < 117 and 39 < lat < 41  # [lon, lat], as RFC 7946 says
    assert json.loads(json.dumps(doc)) == doc


def _mutate(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return doc


BAD = [
    ("reps.1.id", "r1", "reps[1].id"),  # duplicate rep id
    ("leads.3.id", "L2", "leads[3].id"),  # duplicate lead id
    ("leads.2.owner", "ghost", "leads[2].owner"),  # a lead owned by an unknown rep
    ("leads.1.previous_owner", "ghost", "leads[1].previous_owner"),  # unknown previous owner
    ("reps.0.min_leads", 9, "reps[0].min_leads"),  # min above max
    ("leads.4.location.lat", 91, "leads[4].location.lat"),  # latitude out of range
    ("reps.2.base.lon", 181, "reps[2].base.lon"),  # longitude out of range
    ("leads.5.building_id", "B9", "leads[5].building_id"),  # unknown building
    ("leads.6.status", "stolen", "leads[6].status"),  # unknown status
    ("leads.1.previous_owner", None, "leads[1].previous_owner"),  # reclaimed from nobody
    ("leads.7.value", 101, "leads[7].value"),  # value above 100
    ("leads.7.colour", "red", "leads[7].colour"),  # unknown field: never ignored
    ("options.weights", {"fairness": 2}, "options.weights.fairness"),  # unknown weight
    ("reps", [], "reps"),  # nobody to give leads to
]


@pytest.mark.parametrize(("path", "value", "field"), BAD)
def test_a_bad_document_raises_input_error_naming_the_field(path, value, field) -> None:
    with pytest.raises(InputError) as caught:
        balance_document(_mutate(request(), path, value))
    assert field in [e["field"] for e in caught.value.errors]


def test_a_private_lead_needs_an_owner() -> None:
    doc = _mutate(request(), "leads.0.owner", None)
    with pytest.raises(InputError) as caught:
        balance_document(doc)
    assert caught.value.errors[0]["field"] == "leads[0].owner"


@settings(max_examples=25, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=4),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
        max_leaves=8,
    )
)
def test_any_json_that_is_not_a_request_is_an_input_error_not_a_crash(doc: Any) -> None:
    with pytest.raises(InputError):
        balance_document(doc)


def test_the_openapi_schema_states_units_and_coordinate_order() -> None:
    text = json.dumps(BalanceRequest.model_json_schema())
    assert "latitude first" in text and "minutes" in text
    out = json.dumps(BalanceResponse.model_json_schema())
    assert "[lon, lat]" in out and "km" in out


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(doc))
    return path


def test_the_cli_writes_the_result_and_the_territories(tmp_path: Path) -> None:
    out, geo = tmp_path / "out.json", tmp_path / "territories.geojson"
    result = runner.invoke(
        app, ["balance", str(write(tmp_path, request())), "-o", str(out), "--geojson", str(geo)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    BalanceResponse.model_validate(doc)
    assert json.loads(geo.read_text()) == doc["territories"]
    assert "workload max/mean" in result.output  # the table's caption


def test_the_cli_prints_the_result_on_stdout_without_an_output_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["balance", str(write(tmp_path, request())), "--time-limit", "2"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert set(doc) == {
        "assignments",
        "unassigned",
        "reps",
        "metrics",
        "territories",
        "travel_model",  # echoed since the road-network change, as plans echo it
        "travel_fallback",
    }
    assert doc["travel_model"]["kind"] == "builtin" and doc["travel_fallback"] is None


@pytest.mark.parametrize(("path", "value", "field"), BAD[:6])
def test_the_cli_exits_2_naming_the_field(tmp_path: Path, path, value, field) -> None:
    result = runner.invoke(app, ["balance", str(write(tmp_path, _mutate(request(), path, value)))])
    assert result.exit_code == 2, result.output
    assert field in result.output and "Traceback" not in result.output


def test_the_cli_exits_2_on_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{nope")
    result = runner.invoke(app, ["balance", str(path)])
    assert result.exit_code == 2 and "not JSON" in result.output


def test_locations_in_gcj02_come_out_as_wgs84_territories() -> None:
    doc = request()
    doc["crs"] = "gcj02"
    out = balance_document(doc)
    where = {x["id"]: x["location"] for x in doc["leads"]}
    for feature in out["territories"]["features"]:
        polygon = shape(feature["geometry"])
        rep = next(r for r in out["reps"] if r["rep_id"] == feature["properties"]["rep_id"])
        for lead_id in rep["lead_ids"]:
            w = gcj02_to_wgs84(LatLon(where[lead_id]["lat"], where[lead_id]["lon"]))
            assert polygon.covers(Point(w.lon, w.lat))
