"""The day router's engine on the literature's Team Orienteering Problems with Time Windows:
the instance format, best-known results and an independent route checker."""

from planner.orienteering.engine import OrienteeringResult, solve_orienteering
from planner.orienteering.toptw import (
    ToptwInstance,
    parse_bks,
    parse_toptw,
    route_score,
    verify_routes,
)

__all__ = [
    "OrienteeringResult",
    "ToptwInstance",
    "parse_bks",
    "parse_toptw",
    "route_score",
    "solve_orienteering",
    "verify_routes",
]
