"""The morning run: every rep of a branch planned in parallel, resumably, on a passed-in
executor and run store."""

from planner.runs.batch import (
    BatchError,
    RepOutcome,
    RunConflictError,
    RunReport,
    RunStore,
    run_branch,
)
from planner.runs.branch import Branch, BranchRep, RepFailure, SweepRecord
from planner.runs.second_pass import PlanOutline
from planner.runs.sweeps import SweepAssignment, assign_sweeps, branch_problems

__all__ = [
    "BatchError",
    "Branch",
    "BranchRep",
    "PlanOutline",
    "RepFailure",
    "RepOutcome",
    "RunConflictError",
    "RunReport",
    "RunStore",
    "SweepAssignment",
    "SweepRecord",
    "assign_sweeps",
    "branch_problems",
    "run_branch",
]
