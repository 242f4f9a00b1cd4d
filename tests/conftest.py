"""Shared test helpers: every plan the project makes is verified twice — by the project's
own verifier (tests/verify_plan.py) and, when present, by the team's independent checker."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.verify_plan import verify_plan

DATA = Path(__file__).parent / "data"
SHARED_CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "check_plan.py"


def _load_shared_checker() -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None:
    if not SHARED_CHECKER.exists():
        return None
    spec = importlib.util.spec_from_file_location("shared_check_plan", SHARED_CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check  # type: ignore[no-any-return]


shared_check = _load_shared_checker()


def assert_plan_valid(problem: dict[str, Any], plan: dict[str, Any]) -> None:
    """Fail with every violation the project's verifier and the shared checker find."""
    problems = verify_plan(problem, plan)
    if shared_check is not None:
        result = shared_check(problem, plan)
        problems += [f"[shared checker] {v}" for v in result["violations"]]
    assert not problems, "plan violations:\n" + "\n".join(problems)


@pytest.fixture
def small_problem() -> dict[str, Any]:
    """Twelve Wangjing leads, one appointment, four buildings (tests/data)."""
    return json.loads((DATA / "wangjing_small.json").read_text())
