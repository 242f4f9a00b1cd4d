"""A seeded, realistic demo branch: office buildings, reps and leads around Wangjing, Beijing.

Pure and standard-library only: returns plain JSON-shaped dicts in the DESIGN.md formats.
"""

from __future__ import annotations

import math
import random
from datetime import date as Date
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["day_problems", "make_branch"]

_TIMEZONE = "Asia/Shanghai"
_OFFICE = {"name": "Wangjing branch office", "location": {"lat": 39.9968, "lon": 116.4807}}
_RULES = {"min_visits": 8, "min_effective": 2, "target_effective": 3, "sweep_radius_m": 300}
_OPTIONS = {"time_limit_s": 1.0}
_SHIFT_START, _RETURN_BY = "08:30", "18:00"
_LUNCH = {"earliest": "11:30", "latest": "13:30", "minutes": 30}

_EARTH_M = 6_371_008.8
_M_PER_DEG_LAT = _EARTH_M * math.pi / 180.0
_NEARBY_M = 400.0  # a day problem carries every building this close to one of its leads
_LEAD_RADIUS_M = 50.0  # a lead of a building without footprint lies this close to it
_MIN_SPACING_M, _MAX_SPACING_M = 100.0, 400.0  # neighbours inside an office cluster
_CLUSTER_RADIUS_M = 600.0
_BUILDINGS_PER_CLUSTER = (6, 12)

# fmt: off
# Business districts around the office: (name, centre lat, centre lon, building names).
_CLUSTERS: tuple[tuple[str, float, float, tuple[str, ...]], ...] = (
    ("Wangjing", 39.9955, 116.4795, (
        "Wangjing SOHO T1", "Wangjing SOHO T2", "Wangjing SOHO T3", "Greenland Center",
        "Wangjing Poly Plaza", "Futong Tower", "Hongtai Business Building",
        "Wangjing International Business Center A", "Wangjing International Business Center B",
        "Huajia Office Park", "Guangshun Plaza", "Kaihong Tower")),
    ("Wangjing Science Park", 40.0065, 116.4885, (
        "Wangjing Science Park Building 1", "Wangjing Science Park Building 2",
        "Wangjing Science Park Building 3", "Lize Innovation Center", "Beihu Tech Plaza",
        "Hongchang Digital Tower", "Dongfang Tech Park A", "Dongfang Tech Park B",
        "Ruiying Building", "Xinyuan R&D Center", "Chuangda Tower", "Laiguangying Office Park")),
    ("Jiuxianqiao / 798", 39.9840, 116.4955, (
        "798 Art Zone Studio Block", "751 D-Park Hall", "Dianzi City Tower",
        "Hengtong Business Park B1", "Hengtong Business Park B2", "Jiuxianqiao Plaza",
        "Sunshine Century Plaza", "Zhaolong Creative Park", "Jiangtai Media Center",
        "Dashanzi Innovation Tower", "Huanxing Office Park", "Weishi Tower")),
    ("Lido / Fangheng", 39.9770, 116.4720, (
        "Lido Office Tower", "Fangheng International Center A", "Fangheng International Center B",
        "Lido Place", "Hualian Business Tower", "Jingshun Plaza", "Xiaoyun Road Center",
        "Yuyang Office Park", "Sihai Tower", "Ping'an Lido Center", "Airport Road Tech Park",
        "Jiangtai West Tower")),
    ("Sanyuanqiao / Taiyanggong", 39.9610, 116.4560, (
        "Sanyuanqiao Sun Tower", "Yuanyang Guanghua Tower", "Phoenix Place A", "Phoenix Place B",
        "Taiyanggong Tech Park", "Sanyuan Plaza", "Capital Mansion", "Xiyuan Trade Center",
        "Shuguang Xili Tower", "Guanghua Innovation Park", "Zuojiazhuang Center",
        "Jingmi Road Office Building")),
    ("Lufthansa / Liangmaqiao", 39.9500, 116.4640, (
        "Lufthansa Center Office Building", "Kempinski Tower", "Yansha Business Center",
        "Landmark Tower 1", "Landmark Tower 2", "Liangmaqiao Diplomatic Office Building",
        "Hanwei Plaza", "Kunsha Center", "Liangmahe Tower", "Dongsanhuan North Tower",
        "Maizidian Tech Park", "Zhaolong Office Tower")),
    ("Sanlitun", 39.9365, 116.4550, (
        "Sanlitun SOHO A", "Sanlitun SOHO B", "Sanlitun SOHO C", "Taikoo Li Office",
        "Tongying Center", "Pacific Century Place", "Yashow Tower", "Nali Patio Office",
        "Gongti North Tower", "Workers' Stadium Plaza", "Chunxiu Road Center",
        "Xindong Road Office Park")),
    ("CBD North / Hujialou", 39.9215, 116.4660, (
        "Jingguang Centre", "Yintai Office Tower", "Kerry Centre North", "Jintai Plaza",
        "Chaoyang Park Tower", "Hujialou Business Center", "Fortune Plaza",
        "Tianyuan Office Park", "Zhongyu Plaza", "Huamao Office Tower", "CBD North Gate Tower",
        "Dongsanhuan Finance Center")),
)

_SURNAMES = ("Zhang", "Wang", "Li", "Zhao", "Chen", "Liu", "Yang", "Huang", "Zhou", "Wu",
             "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo")
_GIVEN_NAMES = ("Wei", "Na", "Fang", "Lei", "Jing", "Min", "Tao", "Xin", "Hao", "Yan", "Jun",
                "Qiang", "Li", "Chao", "Yu", "Bin", "Ting", "Peng", "Xiaoyu", "Jiahui",
                "Zihan", "Haoran", "Yiming", "Shuang")

# Optional windows of non-appointment leads (the default is 09:00-17:30).
_WINDOW_CHOICES: tuple[list[list[str]], ...] = (
    [["14:00", "17:00"]], [["13:30", "17:30"]], [["09:00", "12:00"]], [["09:30", "11:30"]],
    [["10:00", "11:00"]], [["15:00", "16:30"]], [["09:30", "11:00"], ["14:30", "16:30"]],
)
# fmt: on


def make_branch(
    *,
    seed: int = 2026,
    n_reps: int = 12,
    date: str = "2026-11-27",
    leads_per_rep: tuple[int, int] = (30, 50),
) -> dict[str, Any]:
    """Generate a seeded demo sales branch in Beijing's Wangjing business district.

    Parameters
    ----------
    seed : int
        Seed of the only random source; the same arguments give the same branch, key
        for key (``json.dumps(..., sort_keys=True)`` is byte-identical).
    n_reps : int
        Number of reps, 1-99; their ids are ``"r01"``, ``"r02"``, ...
    date : str
        The working day, ISO ``YYYY-MM-DD``; ``reclaim_at`` instants are relative to it.
    leads_per_rep : tuple of int
        Inclusive range ``(low, high)`` of each rep's lead count, with ``4 <= low <= high``.

    Returns
    -------
    dict
        A JSON-shaped branch: ``branch_id``, ``date``, ``timezone``, ``crs``, ``rules``,
        ``options``, ``office`` (``name``, ``location``), ``buildings`` (the day-problem
        building shape, ``footprint`` null or a GeoJSON Polygon) and ``reps`` (the
        day-problem rep fields plus ``name`` and the rep's ``leads``). Lead ids are unique
        across the branch. The buildings depend on ``seed`` only.

    Raises
    ------
    ValueError
        If ``n_reps``, ``date`` or ``leads_per_rep`` is out of range or malformed.
    """
    low, high = leads_per_rep
    if not 1 <= n_reps <= 99:
        raise ValueError(f"n_reps must be between 1 and 99, got {n_reps}")
    if not 4 <= low <= high:
        raise ValueError(f"leads_per_rep must satisfy 4 <= low <= high, got {leads_per_rep}")
    day = Date.fromisoformat(date)

    rng = random.Random(seed)
    buildings, by_cluster = _make_buildings(rng)
    reps = _make_reps(rng, n_reps)
    reclaim_choices = _reclaim_choices(day)
    centres = [(c[1], c[2]) for c in _CLUSTERS]
    primaries = list(range(len(_CLUSTERS)))
    rng.shuffle(primaries)
    next_id = 1
    for i, rep in enumerate(reps):
        home = _home_clusters(rng, primaries[i % len(primaries)], centres)
        leads = _make_leads(rng, rng.randint(low, high), home, by_cluster, reclaim_choices)
        for lead in leads:
            lead["id"] = f"L{next_id:04d}"
            next_id += 1
        rep["leads"] = [_ordered_lead(lead) for lead in leads]
    return {
        "branch_id": "bj-wangjing",
        "date": date,
        "timezone": _TIMEZONE,
        "crs": "wgs84",
        "rules": dict(_RULES),
        "options": dict(_OPTIONS),
        "office": _clone(_OFFICE),
        "buildings": [_public_building(b) for b in buildings],
        "reps": reps,
    }


def day_problems(branch: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a branch into one day problem per rep, in the DESIGN.md day-problem shape.

    Parameters
    ----------
    branch : dict
        A branch as :func:`make_branch` returns it (or as read back from its JSON).

    Returns
    -------
    list of dict
        One day problem per rep, in the branch's rep order, each with exactly the keys
        ``date``, ``timezone``, ``crs``, ``rep``, ``rules``, ``options``, ``leads`` and
        ``buildings``. ``rep`` keeps only the day-problem rep fields (no ``name``, no
        ``leads``); ``buildings`` holds the buildings the rep's leads are in plus every
        building within 400 m of one of its leads, in branch order. Everything is copied:
        changing a day problem leaves the branch untouched.
    """
    rep_keys = ("id", "start", "end", "shift_start", "return_by", "mode", "lunch")
    problems = []
    for rep in branch["reps"]:
        leads = rep["leads"]
        used = {lead["building_id"] for lead in leads if lead.get("building_id")}
        buildings = [
            b
            for b in branch["buildings"]
            if b["id"] in used
            or any(_distance_m(b["location"], lead["location"]) <= _NEARBY_M for lead in leads)
        ]
        problems.append(
            {
                "date": branch["date"],
                "timezone": branch["timezone"],
                "crs": branch["crs"],
                "rep": {key: _clone(rep[key]) for key in rep_keys if key in rep},
                "rules": _clone(branch["rules"]),
                "options": _clone(branch["options"]),
                "leads": _clone(leads),
                "buildings": _clone(buildings),
            }
        )
    return problems


# --- buildings ---


def _make_buildings(rng: random.Random) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Office clusters: buildings 100-400 m from a neighbour, about a third with footprints."""
    lo, hi = _BUILDINGS_PER_CLUSTER
    counts = [lo] * len(_CLUSTERS)
    for _ in range(rng.randint(60, 80) - sum(counts)):
        counts[rng.choice([c for c, n in enumerate(counts) if n < hi])] += 1

    points: list[tuple[float, float]] = []
    placed: list[tuple[int, str, tuple[float, float]]] = []
    for c, (_, lat, lon, names) in enumerate(_CLUSTERS):
        own: list[tuple[float, float]] = []
        for name in rng.sample(names, counts[c]):
            point = (lat, lon) if not own else _place_near(rng, own, points, (lat, lon))
            own.append(point)
            points.append(point)
            placed.append((c, name, point))

    n_footprints = round(len(placed) * rng.uniform(0.3, 0.37))
    with_footprint = set(rng.sample(range(len(placed)), n_footprints))
    buildings: list[dict[str, Any]] = []
    by_cluster: list[list[dict[str, Any]]] = [[] for _ in _CLUSTERS]
    for i, (c, name, point) in enumerate(placed):
        tenants = rng.randint(60, 300) if i in with_footprint else rng.randint(10, 220)
        sweep = 5 * round((20 + 40 * tenants / 300 + rng.uniform(-8, 8)) / 5)
        building: dict[str, Any] = {
            "id": f"B{i + 1:02d}",
            "location": _latlon(point),
            "name": name,
            "footprint": None,
            "tenants": tenants,
            "sweep_minutes": min(60, max(20, sweep)),
            "_half_m": None,
        }
        if i in with_footprint:
            nearest = min(_dist_pts(point, q) for j, q in enumerate(points) if j != i)
            # Whole-metre sides in 61..249 m (so 6-decimal rounding keeps them in 60..250),
            # halves under nearest / (2 sqrt 2): no footprint holds another building or
            # overlaps another footprint.
            cap = min(249, math.floor(nearest / math.sqrt(2)) - 1)
            half = (rng.randint(61, cap) / 2, rng.randint(61, cap) / 2)
            building["footprint"] = _rectangle(point, half)
            building["_half_m"] = half
        buildings.append(building)
        by_cluster[c].append(building)
    return buildings, by_cluster


def _place_near(
    rng: random.Random,
    own: list[tuple[float, float]],
    everyone: list[tuple[float, float]],
    centre: tuple[float, float],
) -> tuple[float, float]:
    """A point 100-400 m from a building of the cluster, >= 100 m from every building."""
    while True:
        anchor = rng.choice(own)
        bearing = rng.uniform(0.0, 2 * math.pi)
        dist = rng.uniform(_MIN_SPACING_M, _MAX_SPACING_M)
        point = _offset(anchor, dist * math.cos(bearing), dist * math.sin(bearing))
        if _dist_pts(point, centre) <= _CLUSTER_RADIUS_M and all(
            _dist_pts(point, q) >= _MIN_SPACING_M for q in everyone
        ):
            return point


def _rectangle(point: tuple[float, float], half_m: tuple[float, float]) -> dict[str, Any]:
    """A closed, counter-clockwise GeoJSON Polygon of [lon, lat] around ``point``."""
    south, west = _offset(point, -half_m[1], -half_m[0])
    north, east = _offset(point, half_m[1], half_m[0])
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _public_building(building: dict[str, Any]) -> dict[str, Any]:
    return {k: _clone(v) for k, v in building.items() if not k.startswith("_")}


# --- reps ---


def _make_reps(rng: random.Random, n_reps: int) -> list[dict[str, Any]]:
    """Reps with unique pinyin names: mostly transit, one or two on bikes, one driving."""
    names: list[str] = []
    while len(names) < n_reps:
        name = f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN_NAMES)}"
        if name not in names:
            names.append(name)
    n_drive = 1 if n_reps >= 3 else 0
    n_bike = min(rng.randint(1, 2), (n_reps - 1) // 3)
    special = rng.sample(range(n_reps), n_drive + n_bike)
    modes = ["transit"] * n_reps
    for k, i in enumerate(special):
        modes[i] = "drive" if k < n_drive else "bike"
    return [
        {
            "id": f"r{i + 1:02d}",
            "name": names[i],
            "start": _clone(_OFFICE["location"]),
            "end": None,
            "shift_start": _SHIFT_START,
            "return_by": _RETURN_BY,
            "mode": modes[i],
            "lunch": dict(_LUNCH),
        }
        for i in range(n_reps)
    ]


def _home_clusters(
    rng: random.Random, primary: int, centres: list[tuple[float, float]]
) -> list[int]:
    """A territory: the primary cluster plus 1-3 of its four nearest clusters."""
    others = sorted(
        (c for c in range(len(centres)) if c != primary),
        key=lambda c: _dist_pts(centres[primary], centres[c]),
    )
    return [primary, *rng.sample(others[:4], rng.randint(1, 3))]


# --- leads ---


def _make_leads(
    rng: random.Random,
    n: int,
    home: list[int],
    by_cluster: list[list[dict[str, Any]]],
    reclaim_choices: tuple[list[str], list[str]],
) -> list[dict[str, Any]]:
    """One rep's leads, shuffled: 2-3 appointments, ~25 % follow-ups, ~15 % effective."""
    weights = [0.5] + [0.5 / (len(home) - 1)] * (len(home) - 1)
    n_appt = rng.randint(2, 3)
    n_other = n - n_appt
    effective = set(rng.sample(range(n_other), max(4 - n_appt, round(n_other * 0.15))))
    follow_up = set(rng.sample(range(n_other), round(n_other * rng.uniform(0.2, 0.3))))
    windows = _appointment_windows(rng, n_appt)

    leads: list[dict[str, Any]] = []
    for i in range(n):
        cluster = rng.choices(home, weights=weights)[0]
        candidates = by_cluster[cluster]
        building = rng.choices(candidates, weights=[b["tenants"] for b in candidates])[0]
        lead: dict[str, Any] = {
            "building_id": building["id"],
            "location": _latlon(_point_in(rng, building)),
        }
        if i < n_appt:
            lead["kind"] = "appointment"
            lead["value"] = rng.randint(60, 100)
            lead["service_minutes"] = rng.choice((45, 60))
            lead["windows"] = [windows[i]]
        else:
            j = i - n_appt
            lead["kind"] = "follow_up" if j in follow_up else "new"
            if j in effective:
                lead["effective"] = True
                lead["value"] = rng.randint(45, 95)
            elif lead["kind"] == "follow_up":
                lead["value"] = rng.randint(15, 75)
            else:
                lead["value"] = rng.randint(5, 60)
            if rng.random() < 0.15:
                lead["service_minutes"] = rng.choice((20, 40))
            if rng.random() < 0.2:
                lead["windows"] = _clone(rng.choice(_WINDOW_CHOICES))
        if rng.random() < 0.3:
            urgent, later = reclaim_choices
            lead["reclaim_at"] = rng.choice(urgent if rng.random() < 0.5 else later)
        leads.append(lead)
    rng.shuffle(leads)
    return leads


def _appointment_windows(rng: random.Random, n: int) -> list[list[str]]:
    """``n`` windows of 30-60 min on a 15-min grid in 09:30-16:30, >= 2 h between them."""
    step, gap, first, last = 15, 120, 9 * 60 + 30, 16 * 60 + 30
    lengths = [rng.choice((30, 45, 60)) for _ in range(n)]
    slack = (last - first - sum(lengths) - gap * (n - 1)) // step
    # Stars and bars: n sorted distinct cuts split the slack into n leading gaps + a tail.
    cuts = sorted(rng.sample(range(slack + n), n))
    windows: list[list[str]] = []
    opens, previous = first, -1
    for length, cut in zip(lengths, cuts, strict=True):
        opens += (cut - previous - 1) * step
        windows.append([_hhmm(opens), _hhmm(opens + length)])
        opens += length + gap
        previous = cut
    return windows


def _reclaim_choices(day: Date) -> tuple[list[str], list[str]]:
    """Reclaim instants: (urgent, before the next working day's shift start; later ones)."""
    tz = ZoneInfo(_TIMEZONE)
    next_day = day + timedelta(days=1)
    working = next_day
    while working.weekday() >= 5:
        working += timedelta(days=1)

    def at(d: Date, hour: int) -> str:
        return datetime.combine(d, time(hour), tzinfo=tz).isoformat()

    urgent = [at(day, 12), at(day, 15), at(day, 18), at(day, 20), at(next_day, 0)]
    later = [at(working + timedelta(days=k), h) for k in (1, 2, 3, 4) for h in (0, 9, 18)]
    return urgent, later


def _point_in(rng: random.Random, building: dict[str, Any]) -> tuple[float, float]:
    """A point inside the building's footprint, or within 50 m of it without one."""
    centre = (building["location"]["lat"], building["location"]["lon"])
    half = building["_half_m"]
    if half is not None:
        east = rng.uniform(-0.8, 0.8) * half[0]
        north = rng.uniform(-0.8, 0.8) * half[1]
    else:
        radius = _LEAD_RADIUS_M * math.sqrt(rng.random())
        bearing = rng.uniform(0.0, 2 * math.pi)
        north, east = radius * math.cos(bearing), radius * math.sin(bearing)
    return _offset(centre, north, east)


def _ordered_lead(lead: dict[str, Any]) -> dict[str, Any]:
    order = (
        "id",
        "building_id",
        "location",
        "kind",
        "value",
        "effective",
        "service_minutes",
        "windows",
        "reclaim_at",
    )
    return {key: lead[key] for key in order if key in lead}


# --- geometry and small helpers ---


def _offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    lat, lon = point
    return (
        lat + north_m / _M_PER_DEG_LAT,
        lon + east_m / (_M_PER_DEG_LAT * math.cos(math.radians(lat))),
    )


def _dist_pts(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle metres between two (lat, lon) points (haversine, R = 6371.0088 km)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * _EARTH_M * math.asin(math.sqrt(min(1.0, h)))


def _distance_m(a: dict[str, float], b: dict[str, float]) -> float:
    return _dist_pts((a["lat"], a["lon"]), (b["lat"], b["lon"]))


def _latlon(point: tuple[float, float]) -> dict[str, float]:
    return {"lat": round(point[0], 6), "lon": round(point[1], 6)}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clone(value: Any) -> Any:
    """A deep copy of a JSON-shaped value."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value
