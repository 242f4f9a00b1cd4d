"""Navigation deep links for a stop: Amap (GCJ-02), Baidu (BD-09) and the ``geo:`` URI
(RFC 5870, WGS-84), so a rep's phone opens the route to the stop in one tap."""

from __future__ import annotations

from urllib.parse import quote

from geo import (
    CRS,
    InvalidCoordinates,
    LatLon,
    bd09_to_gcj02,
    gcj02_to_bd09,
    to_wgs84,
    wgs84_to_gcj02,
)

AMAP_MODE = {"drive": 0, "transit": 1, "walk": 2, "bike": 3}
"""Amap's route-plan ``t``: 0 car, 1 public transit, 2 on foot, 3 bicycle."""
BAIDU_MODE = {"drive": "driving", "transit": "transit", "walk": "walking", "bike": "riding"}
"""Baidu's direction ``mode``."""
DIGITS = 6
"""Decimals of a degree in a link (about 0.1 m)."""


def _deg(x: float) -> str:
    return f"{x:.{DIGITS}f}"


def nav_links(location: LatLon, crs: CRS | str, name: str, mode: str = "transit") -> dict[str, str]:
    """The deep links to ``location`` (given in ``crs``), labelled ``name``.

    Returns
    -------
    dict
        ``amap``: ``amapuri://route/plan/?dlat=…&dlon=…&dname=…&dev=0&t=…`` in GCJ-02
        (``dev=0``: the coordinates are already GCJ-02); ``baidu``:
        ``baidumap://map/direction?destination=latlng:LAT,LON|name:…&coord_type=bd09ll&mode=…``
        in BD-09; ``geo``: ``geo:LAT,LON?q=LAT,LON(name)`` in WGS-84.
    """
    system = CRS(crs)
    wgs = to_wgs84(location, system)
    label = quote(name, safe="")
    here = f"{_deg(wgs.lat)},{_deg(wgs.lon)}"
    links = {"geo": f"geo:{here}?q={here}({label})"}
    try:
        if system is CRS.GCJ02:
            gcj = location
        elif system is CRS.BD09:
            gcj = bd09_to_gcj02(location)
        else:
            gcj = wgs84_to_gcj02(location)
        bd = location if system is CRS.BD09 else gcj02_to_bd09(gcj)
    except InvalidCoordinates:
        # shifted past a pole or the antimeridian (far from China): no Amap or Baidu link
        return links
    return {
        "amap": f"amapuri://route/plan/?dlat={_deg(gcj.lat)}&dlon={_deg(gcj.lon)}"
        f"&dname={label}&dev=0&t={AMAP_MODE.get(mode, 1)}",
        "baidu": f"baidumap://map/direction?destination=latlng:{_deg(bd.lat)},{_deg(bd.lon)}"
        f"|name:{label}&coord_type=bd09ll&mode={BAIDU_MODE.get(mode, 'transit')}",
        **links,
    }
