"""The run store protocol on dictionaries, for tests of the batch core (the SQL store is
tested in tests/api against real databases)."""

from __future__ import annotations

from planner import DayPlan, DayProblem
from planner.runs.batch import Branch, PlanOutline, RepFailure, RunReport


class MemoryRunStore:
    """The run store protocol on dictionaries (the SQL one is tested in tests/api)."""

    def __init__(self) -> None:
        self.plans: dict[str, DayPlan] = {}
        self.problems: dict[str, DayProblem] = {}
        self.failures: dict[str, RepFailure] = {}
        self.reports: list[RunReport] = []
        self.replaced: dict[str, DayPlan] = {}
        """The first-pass plans the second pass replaced."""

    def begin_run(self, run_id: str, branch: Branch) -> None:
        pass

    def planned_reps(self, run_id: str) -> set[str]:
        return set(self.plans)

    def save_plan(self, run_id: str, problem: DayProblem, plan: DayPlan) -> None:
        assert plan.rep_id not in self.plans, f"{plan.rep_id} planned twice"
        self.plans[plan.rep_id] = plan
        self.problems[plan.rep_id] = problem
        self.failures.pop(plan.rep_id, None)

    def save_failure(self, run_id: str, failure: RepFailure) -> None:
        self.failures[failure.rep_id] = failure

    def plan_outlines(self, run_id: str) -> dict[str, PlanOutline]:
        return {r: PlanOutline.of(p) for r, p in self.plans.items()}

    def replace_plan(
        self, run_id: str, problem: DayProblem, plan: DayPlan, *, replaces: str
    ) -> None:
        if self.plans[plan.rep_id].plan_id == replaces:
            self.replaced[plan.rep_id] = self.plans[plan.rep_id]
            self.plans[plan.rep_id], self.problems[plan.rep_id] = plan, problem

    def finish_run(self, run_id: str, report: RunReport) -> None:
        self.reports.append(report)
