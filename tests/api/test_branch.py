"""The branch document: branch-wide errors reject it, naming the field; rep errors do not."""

from __future__ import annotations

from typing import Any

import pytest

from api.documents.branch import parse_branch, problem_document
from api.documents.day import InputError
from planner.demo.branch import day_problems, make_branch


def _doc() -> dict[str, Any]:
    return make_branch(seed=3, n_reps=2, leads_per_rep=(6, 8))


def _bad(mutate: Any) -> list[str]:
    doc = _doc()
    mutate(doc)
    with pytest.raises(InputError) as info:
        parse_branch(doc)
    return [e["field"] for e in info.value.errors]


def test_a_duplicate_building_id_rejects_the_branch() -> None:
    fields = _bad(lambda d: d["buildings"].append(dict(d["buildings"][0])))
    assert fields == [f"buildings[{len(_doc()['buildings'])}].id"]


def test_a_malformed_date_and_an_unknown_key_are_both_named() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["date"] = "2026-13-01"
        d["colour"] = "red"

    assert sorted(_bad(mutate)) == ["colour", "date"]


def test_a_rep_without_an_id_rejects_the_branch() -> None:
    assert _bad(lambda d: d["reps"][1].pop("id")) == ["reps[1].id"]


def test_two_reps_with_one_id_reject_the_branch() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["reps"][1]["id"] = d["reps"][0]["id"]

    assert _bad(mutate) == ["reps"]


def test_an_unknown_time_zone_rejects_the_branch() -> None:
    assert _bad(lambda d: d.update(timezone="Mars/Olympus")) == ["timezone"]


def test_a_rep_with_an_unknown_field_is_rejected_alone_with_its_path() -> None:
    doc = _doc()
    doc["reps"][0]["car"] = "red"
    branch = parse_branch(doc)
    assert [r.rep.id for r in branch.reps] == [doc["reps"][1]["id"]]
    (failure,) = branch.rejected
    assert (failure.rep_id, failure.code, failure.field) == ("r01", "invalid_input", "reps[0].car")


def test_a_reps_problem_document_is_the_demo_split_with_every_building() -> None:
    doc = _doc()
    split = day_problems(doc)[1]
    mine = problem_document(doc, 1)
    assert mine["rep"] == split["rep"] and mine["leads"] == split["leads"]
    assert len(mine["buildings"]) == len(doc["buildings"])
    kept = problem_document(doc, 1, {b["id"] for b in split["buildings"]})
    assert kept["buildings"] == split["buildings"]
