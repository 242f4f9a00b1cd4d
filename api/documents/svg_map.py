"""A self-contained SVG map of a branch's routes (no tiles, no network): one colour per rep,
visits as dots, sweeps as squares, the office as a star, unvisited leads as grey rings."""

from __future__ import annotations

import math
from html import escape
from typing import Any

PALETTE = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
    "#469990", "#800000", "#808000", "#000075", "#bfef45", "#fabed4", "#dcbeff", "#ffd8b1",
)  # fmt: skip


def routes_svg(plans: list[dict[str, Any]], *, width: int = 1100, title: str = "") -> str:
    """SVG text of every plan's route (plans are day-plan documents; geometry is WGS-84)."""
    points: list[tuple[float, float]] = []
    for plan in plans:
        for f in plan["geometry"]["features"]:
            g = f["geometry"]
            points += (
                [tuple(c) for c in g["coordinates"]]
                if g["type"] == "LineString"
                else [tuple(g["coordinates"])]
            )
    if not points:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    lat0 = math.radians((min(lats) + max(lats)) / 2)
    span_x = max((max(lons) - min(lons)) * math.cos(lat0), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    pad, legend = 30, 200
    scale = min((width - 2 * pad - legend) / span_x, (900 - 2 * pad) / span_y)
    height = int(span_y * scale + 2 * pad)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            pad + (lon - min(lons)) * math.cos(lat0) * scale,
            height - pad - (lat - min(lats)) * scale,
        )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fbfbf8"/>',
        f'<text x="{pad}" y="18" font-weight="bold">{escape(title)}</text>',
    ]
    for k, plan in enumerate(plans):
        colour = PALETTE[k % len(PALETTE)]
        for f in plan["geometry"]["features"]:
            g, props = f["geometry"], f["properties"]
            if g["type"] == "LineString":
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*c) for c in g["coordinates"]))
                out.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.6" stroke-opacity="0.8"/>'
                )
                continue
            x, y = xy(*g["coordinates"])
            kind = props.get("type") or props.get("kind")
            label = escape(str(props.get("lead_id") or props.get("building_id") or kind))
            if kind == "visit":
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{colour}">'
                    f"<title>{label}</title></circle>"
                )
            elif kind == "sweep":
                out.append(
                    f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" '
                    f'fill="none" stroke="{colour}"><title>{label}</title></rect>'
                )
            elif kind == "unvisited":
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="none" stroke="#bbb">'
                    f"<title>{label}</title></circle>"
                )
        t = plan["totals"]
        ly = 40 + 18 * k
        out.append(
            f'<rect x="{width - legend}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
        )
        out.append(
            f'<text x="{width - legend + 15}" y="{ly}">{escape(plan["rep_id"])}: '
            f"{t['visits']} visits, {t['sweeps']} sweeps</text>"
        )
    if plans and plans[0]["stops"]:
        loc = plans[0]["geometry"]["features"][0]["geometry"]["coordinates"][0]
        x, y = xy(*loc)
        star = " ".join(
            f"{x + r * math.sin(a):.1f},{y - r * math.cos(a):.1f}"
            for i in range(10)
            for a, r in [(math.pi * i / 5, 9 if i % 2 == 0 else 4)]
        )
        out.append(f'<polygon points="{star}" fill="#222"><title>office</title></polygon>')
    out.append("</svg>")
    return "\n".join(out)
