"""The compactness reference of the balance benchmark: a capacitated k-means split of a
balance request that keeps the same hard rules, written apart from the balancer.

Private leads stay with their owner; a reclaimed lead never goes to its previous owner;
nobody holds more than ``max_leads``; each rep holds at most its even share of the pool
(``ceil(leads / reps)``, the "capacitated" part; a rep whose private leads already pass
it takes nothing more); a building's leads with one exclusion set move as one unit and
are split only when no rep has room for the whole unit. Lloyd iterations: assign units
greedily, nearest (unit, centre) pair first, to a centre with room, then re-centre.

``mean_km_to_centre`` measures any split the same way the balancer reports it: the mean
straight-line km from each assigned lead to the centre of its rep's leads.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
_R = 6_371_008.8
_CANDIDATES = 24  # nearest centres a unit is offered to before the fallback


def project(request: dict[str, Any]) -> Array:
    """Lead locations of ``request`` in metres (equirectangular around their mean)."""
    lat = np.array([x["location"]["lat"] for x in request["leads"]], dtype=np.float64)
    lon = np.array([x["location"]["lon"] for x in request["leads"]], dtype=np.float64)
    lat0 = float(lat.mean()) if len(lat) else 0.0
    k = _R * math.pi / 180.0
    return np.stack([(lon - lon.mean()) * k * math.cos(math.radians(lat0)), (lat - lat0) * k], 1)


def mean_km_to_centre(xy: Array, owner: list[int | None]) -> float:
    """Mean km from each lead with an owner to the centroid of its owner's leads."""
    held = np.array([i for i, j in enumerate(owner) if j is not None], dtype=np.intp)
    if not len(held):
        return 0.0
    reps = np.array([owner[i] for i in held], dtype=np.intp)
    n = int(reps.max()) + 1
    count = np.maximum(np.bincount(reps, minlength=n), 1)
    cx = np.bincount(reps, weights=xy[held, 0], minlength=n) / count
    cy = np.bincount(reps, weights=xy[held, 1], minlength=n) / count
    return float(np.hypot(xy[held, 0] - cx[reps], xy[held, 1] - cy[reps]).mean() / 1000.0)


def kmeans_split(request: dict[str, Any], *, rounds: int = 20) -> list[int | None]:
    """The rep index of every lead (None: no rep had room) of a capacitated k-means."""
    reps = request["reps"]
    leads = request["leads"]
    index = {r["id"]: j for j, r in enumerate(reps)}
    n = len(reps)
    xy = project(request)
    share = math.ceil(len(leads) / n)
    owner: list[int | None] = [None] * len(leads)
    private = [0] * n
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, x in enumerate(leads):
        if x.get("status") == "private":
            owner[i] = index[x["owner"]]
            private[owner[i]] += 1  # type: ignore[index]
            continue
        where = x.get("building_id") or f"lead:{x['id']}"
        excluded = index[x["previous_owner"]] if x.get("status") == "reclaimed" else -1
        groups[(where, excluded)].append(i)
    units = list(groups.items())
    unit_xy = np.array([xy[members].mean(axis=0) for _, members in units]).reshape(-1, 2)
    room0 = [max(0, min(r.get("max_leads", 50), share) - private[j]) for j, r in enumerate(reps)]
    centres = _initial_centres(xy, owner, unit_xy, [len(m) for _, m in units], n)
    for _ in range(rounds):
        pool_owner = _assign(units, unit_xy, centres, room0)
        split = list(owner)
        for (_, members), taken in zip(units, pool_owner, strict=True):
            for i, j in zip(members, taken, strict=True):
                split[i] = j
        moved = _centroids(xy, split, centres)
        done = float(np.abs(moved - centres).max()) < 1.0
        centres = moved
        if done:
            break
    return split


def _initial_centres(
    xy: Array, owner: list[int | None], unit_xy: Array, sizes: list[int], n: int
) -> Array:
    """Reps with private leads start at them; the others k-means++ over the units."""
    rng = np.random.default_rng(0)
    centres = _centroids(xy, owner, np.full((n, 2), np.nan))
    free = [j for j in range(n) if np.isnan(centres[j, 0])]
    weight = np.array(sizes, dtype=np.float64)
    for j in free:
        placed = centres[~np.isnan(centres[:, 0])]
        if len(placed):
            d = np.linalg.norm(unit_xy[:, None, :] - placed[None], axis=2).min(axis=1)
            p = weight * d * d
        else:
            p = weight
        centres[j] = unit_xy[rng.choice(len(unit_xy), p=p / p.sum())]
    return centres


def _centroids(xy: Array, owner: list[int | None], old: Array) -> Array:
    out = old.copy()
    held = np.array([i for i, j in enumerate(owner) if j is not None], dtype=np.intp)
    if len(held):
        reps = np.array([owner[i] for i in held], dtype=np.intp)
        count = np.bincount(reps, minlength=len(old))
        has = count > 0
        for axis in (0, 1):
            total = np.bincount(reps, weights=xy[held, axis], minlength=len(old))
            out[has, axis] = total[has] / count[has]
    return out


def _assign(
    units: list[tuple[tuple[str, int], list[int]]],
    unit_xy: Array,
    centres: Array,
    room0: list[int],
) -> list[list[int | None]]:
    """Each unit's leads' reps: whole units to the nearest centre with room, greedily."""
    room = list(room0)
    k = min(_CANDIDATES, len(centres))
    d = np.linalg.norm(unit_xy[:, None, :] - centres[None], axis=2)
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    pairs = sorted(
        ((float(d[u, j]), u, int(j)) for u in range(len(units)) for j in near[u]),
        key=lambda p: p[:2],
    )
    out: list[list[int | None]] = [[None] * len(m) for _, m in units]
    placed = [False] * len(units)
    for _, u, j in pairs:
        (_, excluded), members = units[u]
        if placed[u] or j == excluded or room[j] < len(members):
            continue
        out[u] = [j] * len(members)
        room[j] -= len(members)
        placed[u] = True
    for u in (u for u in range(len(units)) if not placed[u]):  # split: nearest with room
        (_, excluded), members = units[u]
        order = np.argsort(d[u], kind="stable")
        slots = [int(j) for j in order if int(j) != excluded for _ in range(room[int(j)])]
        for m, j in enumerate(slots[: len(members)]):
            out[u][m] = j
            room[j] -= 1
    return out
