"""The seeded demo branch (Wangjing, Beijing): its reps, leads and buildings, and its lead
pool as a balance request."""

from planner.demo.branch import day_problems, make_branch
from planner.demo.pool import pool_request, redeal_branch

__all__ = ["day_problems", "make_branch", "pool_request", "redeal_branch"]
