"""The demo branch's lead pool as a balance request, and the branch re-dealt by a balance.

Yesterday's deal is the generator's (each rep's leads in its home districts); today some
leads are private (booked appointments stay with their rep, plus a few more), some were
reclaimed from their rep, and new reps join. Pure and standard-library only.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["NEW_REP_NAMES", "pool_request", "redeal_branch"]

NEW_REP_NAMES = ("Qian Yue", "Song Kai", "Tang Rui", "Feng Lan", "Deng Hui", "Cao Ning")
_PRIVATE_SHARE = 0.06  # besides appointments
_RECLAIMED_SHARE = 0.08


def pool_request(
    branch: dict[str, Any], *, new_reps: int = 2, seed: int = 7, time_limit_s: float = 5.0
) -> dict[str, Any]:
    """A balance request for the branch's whole pool.

    Parameters
    ----------
    branch : dict
        A branch as :func:`planner.demo.branch.make_branch` returns it.
    new_reps : int
        New reps joining today (ids after the branch's, ``is_new``), 0-6.
    seed : int
        Seed of which leads are private or reclaimed.
    time_limit_s : float
        The request's time limit.

    Returns
    -------
    dict
        The request document (``branch_id``, ``reps``, ``leads``, ``buildings``,
        ``options``): every
        lead's ``owner`` is yesterday's rep; appointments and about 6 % more are
        ``private``; about 8 % are ``reclaimed`` from their rep (``owner`` null).
    """
    if not 0 <= new_reps <= len(NEW_REP_NAMES):
        raise ValueError(f"new_reps must be between 0 and {len(NEW_REP_NAMES)}: {new_reps}")
    rng = random.Random(seed)
    reps = [{"id": r["id"], "base": dict(r["start"]), "mode": r["mode"]} for r in branch["reps"]]
    office = branch["office"]["location"]
    for k in range(new_reps):
        reps.append({"id": _new_id(branch, k), "base": dict(office), "is_new": True})
    leads = []
    for rep in branch["reps"]:
        for lead in rep["leads"]:
            item: dict[str, Any] = {
                "id": lead["id"],
                "location": dict(lead["location"]),
                "building_id": lead.get("building_id"),
                "value": lead["value"],
                "owner": rep["id"],
                "status": "pool",
                "effort_minutes": lead.get(
                    "service_minutes", 45 if lead["kind"] == "appointment" else 30
                ),
            }
            draw = rng.random()
            if lead["kind"] == "appointment" or draw < _PRIVATE_SHARE:
                item["status"] = "private"
            elif draw < _PRIVATE_SHARE + _RECLAIMED_SHARE:
                item.update(status="reclaimed", owner=None, previous_owner=rep["id"])
            leads.append(item)
    buildings = [{"id": b["id"], "location": dict(b["location"])} for b in branch["buildings"]]
    return {
        "crs": branch["crs"],
        "branch_id": branch["branch_id"],
        "reps": reps,
        "leads": leads,
        "buildings": buildings,
        "options": {"time_limit_s": time_limit_s},
    }


def _new_id(branch: dict[str, Any], k: int) -> str:
    return f"r{len(branch['reps']) + k + 1:02d}"


def redeal_branch(
    branch: dict[str, Any], assignments: dict[str, str], *, new_reps: int = 2
) -> dict[str, Any]:
    """The branch with every rep holding the leads a balance assigned it.

    New reps copy the day settings of the branch's first rep (office, shift, lunch) and
    travel by transit. Unassigned leads stay in the pool (no rep). Lead order follows the
    branch's.
    """
    template = branch["reps"][0]
    reps = [{k: v for k, v in r.items() if k != "leads"} for r in branch["reps"]]
    for k in range(new_reps):
        reps.append(
            {
                **{key: v for key, v in template.items() if key != "leads"},
                "id": _new_id(branch, k),
                "name": NEW_REP_NAMES[k],
                "mode": "transit",
            }
        )
    held: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in reps}
    for rep in branch["reps"]:
        for lead in rep["leads"]:
            if lead["id"] in assignments:
                held[assignments[lead["id"]]].append(lead)
    return {**branch, "reps": [{**r, "leads": held[r["id"]]} for r in reps]}
