"""Navigation deep links: the coordinates in each link match published conversions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.documents.day import parse_day_problem
from geo import CRS, LatLon
from planner import solve
from planner.routing.links import nav_links

# wandergis/coordtransform's published example (test/app.js), the point (lon 116.404, lat 39.915):
# wgs84togcj02 -> [116.41024449916938, 39.91640428150164]
# gcj02tobd09  -> [116.41036949371029, 39.92133699351021]
# bd09togcj02  -> [116.39762729119315, 39.90865673957631]
POINT = LatLon(39.915, 116.404)


def _amap(link: str) -> tuple[float, float]:
    m = re.search(r"dlat=([-\d.]+)&dlon=([-\d.]+)", link)
    assert m, link
    return float(m[1]), float(m[2])


def _baidu(link: str) -> tuple[float, float]:
    m = re.search(r"latlng:([-\d.]+),([-\d.]+)\|", link)
    assert m, link
    return float(m[1]), float(m[2])


def test_a_wgs84_point_links_to_its_published_gcj02_and_bd09_coordinates() -> None:
    links = nav_links(POINT, CRS.WGS84, "Tower A")
    assert _amap(links["amap"]) == pytest.approx((39.916404, 116.410244), abs=1e-6)
    bd = _baidu(links["baidu"])
    # BD-09 of the GCJ-02 point (39.916404, 116.410244)
    assert bd == pytest.approx((39.922699, 116.416627), abs=2e-6)
    assert links["geo"] == "geo:39.915000,116.404000?q=39.915000,116.404000(Tower%20A)"
    assert links["amap"].startswith("amapuri://route/plan/?")
    assert links["amap"].endswith("&dname=Tower%20A&dev=0&t=1")
    assert "&coord_type=bd09ll&mode=transit" in links["baidu"]


def test_a_gcj02_point_is_linked_as_given_to_amap_and_converted_for_baidu() -> None:
    links = nav_links(POINT, CRS.GCJ02, "L1")
    assert _amap(links["amap"]) == pytest.approx((39.915, 116.404), abs=1e-9)
    assert _baidu(links["baidu"]) == pytest.approx((39.921337, 116.410369), abs=1e-6)


def test_a_bd09_point_is_linked_as_given_to_baidu_and_converted_for_amap() -> None:
    links = nav_links(POINT, CRS.BD09, "L1")
    assert _baidu(links["baidu"]) == pytest.approx((39.915, 116.404), abs=1e-9)
    assert _amap(links["amap"]) == pytest.approx((39.908657, 116.397627), abs=1e-6)


def test_a_point_the_gcj02_shift_cannot_hold_gets_only_its_geo_link() -> None:
    # next to the antimeridian the shift to GCJ-02 would pass 180° east: no Amap or Baidu
    links = nav_links(LatLon(-0.5, 179.9999), "wgs84", "far east")
    assert set(links) == {"geo"}
    assert links["geo"].startswith("geo:-0.500000,179.999900")


@pytest.mark.parametrize(
    ("mode", "t", "baidu"),
    [
        ("drive", "0", "driving"),  # by car
        ("walk", "2", "walking"),  # on foot
        ("bike", "3", "riding"),  # by bicycle
    ],
)
def test_the_links_follow_the_reps_mode(mode: str, t: str, baidu: str) -> None:
    links = nav_links(POINT, CRS.WGS84, "x", mode)
    assert links["amap"].endswith(f"&t={t}") and links["baidu"].endswith(f"&mode={baidu}")


def test_every_visit_sweep_and_end_of_a_plan_carries_links_to_its_location(
    small_problem: dict[str, Any],
) -> None:
    plan = solve(parse_day_problem(small_problem)).to_dict()
    for stop in plan["stops"]:
        if stop["type"] in ("start", "break"):
            assert "links" not in stop
            continue
        loc = stop["location"]
        want = nav_links(LatLon(loc["lat"], loc["lon"]), CRS.WGS84, "x")
        assert _amap(stop["links"]["amap"]) == _amap(want["amap"])
        assert _baidu(stop["links"]["baidu"]) == _baidu(want["baidu"])
        assert stop["links"]["geo"].startswith(f"geo:{loc['lat']:.6f},{loc['lon']:.6f}?q=")
