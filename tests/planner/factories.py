"""Factories for day-problem documents: a base day near the Wangjing office, and variants."""

from __future__ import annotations

import copy
import math
from typing import Any

OFFICE = {"lat": 39.9968, "lon": 116.4807}


def offset(km_north: float, km_east: float, origin: dict[str, float] = OFFICE) -> dict[str, float]:
    """A point ``km_north`` / ``km_east`` kilometres from ``origin`` (small distances)."""
    lat = origin["lat"] + km_north / 111.195
    lon = origin["lon"] + km_east / (111.195 * math.cos(math.radians(origin["lat"])))
    return {"lat": round(lat, 7), "lon": round(lon, 7)}


def lead(lead_id: str, km_north: float, km_east: float, **fields: Any) -> dict[str, Any]:
    return {"id": lead_id, "location": offset(km_north, km_east), "value": 50, **fields}


def day(leads: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A day problem document (deterministic search unless options say otherwise)."""
    doc: dict[str, Any] = {
        "date": "2026-11-27",
        "rep": {"id": "r1", "start": dict(OFFICE)},
        "options": {"deterministic": True},
        "leads": leads,
        "buildings": [],
    }
    for key, value in fields.items():
        if key in ("rep", "rules", "options") and isinstance(value, dict):
            doc[key] = {**doc.get(key, {}), **value}
        else:
            doc[key] = value
    return copy.deepcopy(doc)


def ring_of_leads(n: int, radius_km: float = 2.0, **fields: Any) -> list[dict[str, Any]]:
    """``n`` leads on a circle around the office, values 10..(10 + 5n)."""
    return [
        lead(
            f"L{i + 1}",
            radius_km * math.cos(2 * math.pi * i / n),
            radius_km * math.sin(2 * math.pi * i / n),
            value=10 + 5 * (i % 19),
            **fields,
        )
        for i in range(n)
    ]
