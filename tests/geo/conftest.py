"""Shared fixtures for the geo tests: the independent checker, loaded by its path."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

# DESIGN.md: the checker sits next to the repository, in ../shared/tools/.
CHECKER_PATH = Path(__file__).resolve().parents[3] / "shared" / "tools" / "check_plan.py"


@pytest.fixture(scope="session")
def checker() -> ModuleType:
    """The reference implementation (tools/check_plan.py); skips the test when absent."""
    if not CHECKER_PATH.is_file():
        pytest.skip(f"the checker is not at {CHECKER_PATH}")
    spec = importlib.util.spec_from_file_location("ironroute_check_plan", CHECKER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
