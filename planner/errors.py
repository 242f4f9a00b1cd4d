"""Errors raised by the planner: invalid problems and broken solver infrastructure."""

from __future__ import annotations


class PlannerError(Exception):
    """Root of every error the planner raises."""


class ProblemError(PlannerError, ValueError):
    """A day problem breaks a rule of the contract (raised once, at construction).

    ``field`` is the JSON path of the offending value (``"leads[3].windows[0]"``) so
    that the API and the CLI can name it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class SolverError(PlannerError, RuntimeError):
    """The routing engine failed in a way that is not an answer (a crash, not 'no plan')."""
