"""The test suite's own verifier of day plans, rule by rule as DESIGN.md states them.

``verify_plan(problem, plan)`` returns human-readable violations ([] for a valid plan).
It enforces every rule of the team's independent checker (``../shared/tools/check_plan.py``)
with the same tolerances, using only ``geo``, so a clone without ``../shared`` still
checks every plan. It is stricter than the checker in a few places the contract is
explicit about: a sweep must follow its anchor visit (or a sweep of the same anchor)
with nothing in between, the route line must pass the stops in order and miss none,
``no_time`` is only for leads that fit alone, ``day_infeasible`` only on an infeasible
day, and maximality is checked even when other rules are broken.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from geo import LatLon, TravelModel, haversine_km, to_wgs84

__all__ = ["verify_plan"]

TOL_MIN = 0.1  # minutes of slack when comparing durations
TOL_S = 6.0  # seconds of slack when comparing instants
NEAR_KM = 0.05  # "the same place"
SPEED_CAP_KMH = {"transit": 40.0, "drive": 60.0, "bike": 25.0, "walk": 7.0}  # straight line
DEFAULT_WINDOW = ("09:00", "17:30")  # visits without windows, and every sweep
DEFAULT_SWEEP_MIN = 30.0
RULE_CODES = ("appointment_missed", "min_visits_unmet", "min_effective_unmet")
REASONS = ("window_unreachable", "no_time", "lower_value", "day_infeasible")
STATUSES = ("ok", "shortfall", "infeasible")
# totals.<key>: (absolute tolerance, relative tolerance) against the sum over the stops
TOTAL_TOLERANCES = {
    "travel_minutes": (0.5, 0.005),
    "travel_km": (0.05, 0.005),
    "service_minutes": (0.5, 0.005),
    "wait_minutes": (0.5, 0.005),
}
RETURN_AT_TOL_S = 1.0  # totals.return_at is the end's arrival, to the second
SIM_WINDOW_SLACK = 1e-9  # re-timing: a start must fall inside a window (minutes)

Json = dict[str, Any]
Window = tuple[float, float]


# --- small readers ----------------------------------------------------------------


def _opt(d: Json, key: str, default: Any) -> Any:
    """``d[key]``, where absent or null means ``default``."""
    value = d.get(key)
    return default if value is None else value


def _hm(text: str) -> float:
    """Minutes after midnight of an ``"HH:MM"`` wall-clock time."""
    hours, minutes = text.split(":")
    return float(int(hours) * 60 + int(minutes))


def _clock_text(minutes: float) -> str:
    """``"HH:MM"`` of whole minutes after midnight."""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def _point(p: Json) -> LatLon:
    return LatLon(p["lat"], p["lon"])


def _km(a: Json, b: Json) -> float:
    """Great-circle km between two problem points, on their raw (problem-CRS) values."""
    return haversine_km(_point(a), _point(b))


def _is_effective(lead: Json) -> bool:
    return _opt(lead, "kind", "new") == "appointment" or bool(_opt(lead, "effective", False))


def _service(lead: Json) -> float:
    default = 45.0 if _opt(lead, "kind", "new") == "appointment" else 30.0
    return float(_opt(lead, "service_minutes", default))


def _windows(lead: Json) -> tuple[Window, ...]:
    given = _opt(lead, "windows", None) or [DEFAULT_WINDOW]
    return tuple(sorted((_hm(a), _hm(b)) for a, b in given))


def _inside(minute: float, windows: Sequence[Window], slack: float) -> bool:
    return any(a - slack <= minute <= b + slack for a, b in windows)


def _in_ring(p: Json, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting on a ring of [lon, lat] positions (the same CRS as ``p``)."""
    x, y, inside = p["lon"], p["lat"], False
    for (x1, y1), (x2, y2) in zip(ring, list(ring[1:]) + list(ring[:1]), strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _in_footprint(p: Json, footprint: Json | None) -> bool:
    """Inside a GeoJSON Polygon's outer ring and outside its holes."""
    if not footprint or footprint.get("type") != "Polygon" or not footprint.get("coordinates"):
        return False
    outer, *holes = footprint["coordinates"]
    return _in_ring(p, outer) and not any(_in_ring(p, hole) for hole in holes)


def _instant(stop: Json, key: str, where: str, out: list[str]) -> datetime | None:
    """The ISO 8601 instant ``stop[key]``; a violation when it is absent or has no offset."""
    text = stop.get(key)
    if text is None:
        out.append(f"{where}: no {key} time")
        return None
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        out.append(f"{where}: {key} {text} has no UTC offset")
        return None
    return t


def _minutes_between(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


# --- the day, as the problem states it ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    """A stop to re-time: where (WGS-84), inside which start windows, for how long."""

    kind: str  # "visit" | "sweep" | "break" | "end"
    place: LatLon
    windows: tuple[Window, ...] = ()
    service: float = 0.0


@dataclass(frozen=True, slots=True)
class _Day:
    """The problem with every default applied, and the plan's built-in model (or None)."""

    day: date
    tz: ZoneInfo
    crs: str
    mode: str
    start: Json
    end: Json
    shift_start: float
    return_by: float
    lunch: Json | None
    leads: dict[str, Json]
    buildings: dict[str, Json]
    min_visits: int
    min_effective: int
    radius_km: float
    model: TravelModel | None

    @classmethod
    def read(cls, problem: Json, model: TravelModel | None) -> _Day:
        rep, rules = problem["rep"], problem.get("rules") or {}
        return cls(
            day=date.fromisoformat(problem["date"]),
            tz=ZoneInfo(_opt(problem, "timezone", "Asia/Shanghai")),
            crs=_opt(problem, "crs", "wgs84"),
            mode=_opt(rep, "mode", "transit"),
            start=rep["start"],
            end=_opt(rep, "end", rep["start"]),
            shift_start=_hm(_opt(rep, "shift_start", "08:30")),
            return_by=_hm(_opt(rep, "return_by", "18:00")),
            lunch=rep.get("lunch"),
            leads={lead["id"]: lead for lead in problem["leads"]},
            buildings={b["id"]: b for b in problem.get("buildings") or []},
            min_visits=int(_opt(rules, "min_visits", 8)),
            min_effective=int(_opt(rules, "min_effective", 2)),
            radius_km=float(_opt(rules, "sweep_radius_m", 300)) / 1000.0,
            model=model,
        )

    def wgs(self, p: Json) -> LatLon:
        return to_wgs84(_point(p), self.crs)

    def clock(self, t: datetime) -> float:
        """Wall-clock minutes after local midnight of the planned day."""
        local = t.astimezone(self.tz).replace(tzinfo=None)
        return (local - datetime.combine(self.day, time())).total_seconds() / 60.0

    def lunch_windows(self) -> tuple[Window, ...]:
        assert self.lunch is not None
        return ((_hm(self.lunch["earliest"]), _hm(self.lunch["latest"])),)

    def lead_spec(self, lead: Json) -> _Spec:
        return _Spec("visit", self.wgs(lead["location"]), _windows(lead), _service(lead))

    def end_spec(self) -> _Spec:
        return _Spec("end", self.wgs(self.end))


def _travel_model(plan: Json, out: list[str]) -> TravelModel | None:
    """The plan's echoed model when it is the built-in one; None for other providers."""
    echo = (plan.get("solver") or {}).get("travel_model")
    if not isinstance(echo, dict) or "kind" not in echo:
        out.append("solver.travel_model is missing (every plan echoes its travel model)")
        return None
    if echo["kind"] != "builtin":
        return None
    try:
        return TravelModel.from_dict(echo)
    except ValueError as err:
        out.append(f"solver.travel_model is not a valid builtin model: {err}")
        return None


# --- re-timing (maximality and honest reasons) -----------------------------------


def _simulate(
    day: _Day, specs: Sequence[_Spec], depart: float, window_slack: float = SIM_WINDOW_SLACK
) -> bool:
    """Leave the start at ``depart`` and make ``specs`` in order, each at its earliest
    start; True when every start falls in a window and the end is back by return_by."""
    assert day.model is not None
    t, here = depart, day.wgs(day.start)
    for spec in specs:
        arrive = t + day.model.leg(here, spec.place, day.mode, t).minutes
        if spec.kind == "end":
            return arrive <= day.return_by + TOL_MIN
        opening = next((a for a, z in spec.windows if arrive <= z + window_slack), None)
        if opening is None:
            return False
        t, here = max(arrive, opening) + spec.service, spec.place
    return True


def _fits_alone(day: _Day, lead: Json, window_slack: float = SIM_WINDOW_SLACK) -> bool:
    """Leave at shift_start, go straight to the lead, come straight back, no lunch."""
    return _simulate(day, [day.lead_spec(lead), day.end_spec()], day.shift_start, window_slack)


def _empty_day_fits(day: _Day) -> bool:
    specs = [day.end_spec()]
    if day.lunch:
        brk = _Spec("break", day.wgs(day.start), day.lunch_windows(), float(day.lunch["minutes"]))
        specs.insert(0, brk)
    return _simulate(day, specs, day.shift_start)


# --- walking the stops -------------------------------------------------------------

Times = tuple[datetime | None, datetime | None]  # a stop's start and depart


@dataclass
class _Walk:
    """Checks the stops one by one and adds up what they amount to."""

    day: _Day
    out: list[str]
    visited: list[str] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)
    breaks: int = 0
    travel_minutes: float = 0.0
    travel_km: float = 0.0
    service_minutes: float = 0.0
    wait_minutes: float = 0.0
    value: float = 0.0
    return_at: datetime | None = None
    specs: list[_Spec] = field(default_factory=list)  # the plan's stops, to re-time
    specs_complete: bool = True  # False when a stop names no known lead or building

    def run(self, stops: list[Json]) -> None:
        """Check every stop after the start, in order."""
        prev_dep = self.start(stops[0])
        prev_loc = stops[0].get("location") or self.day.start
        anchor: str | None = None  # the effective visit that a sweep may follow right now
        for i, stop in enumerate(stops[1:], start=1):
            kind, where = stop.get("type"), _label(i, stop)
            loc = stop.get("location")
            if loc is None:
                self.out.append(f"{where}: no location")
                loc = prev_loc
            arrive = _instant(stop, "arrive", where, self.out)
            if arrive is not None:
                self.leg(where, stop, (prev_loc, loc), prev_dep, arrive)
            if kind == "end":
                if arrive is not None:
                    self.end(where, loc, arrive, is_last=i == len(stops) - 1)
                continue
            times = (
                _instant(stop, "start", where, self.out),
                _instant(stop, "depart", where, self.out),
            )
            self.wait(where, stop, arrive, times[0])
            if kind == "visit":
                anchor = self.visit(where, stop, loc, times)
            elif kind == "sweep":
                self.sweep(where, stop, loc, times, anchor)
            elif kind == "break":
                following = stops[i + 1].get("location") if i + 1 < len(stops) else None
                self.lunch_break(where, loc, (prev_loc, following), times)
                anchor = None
            else:
                self.out.append(f"{where}: unknown stop type")
                self.specs_complete = False
                anchor = None
            prev_loc, prev_dep = loc, times[1]

    def start(self, first: Json) -> datetime | None:
        """The start: at rep.start, leaving no earlier than shift_start."""
        depart = _instant(first, "depart", "stop 0 (start)", self.out)
        if depart is not None and self.day.clock(depart) < self.day.shift_start - TOL_S / 60:
            self.out.append(f"start departs {first['depart']} before shift_start")
        if first.get("location") is None or _km(first["location"], self.day.start) > NEAR_KM:
            self.out.append("start stop is not at rep.start")
        return depart

    def leg(
        self,
        where: str,
        stop: Json,
        ends: tuple[Json, Json],
        prev_dep: datetime | None,
        arrive: datetime,
    ) -> None:
        """The leg reaching ``stop``: arrive = previous depart + travel, and the travel
        re-timed by the built-in model, or within the mode's speed cap for other providers."""
        minutes = float(_opt(stop, "travel_minutes", 0.0))
        km = float(_opt(stop, "travel_km", 0.0))
        self.travel_minutes += minutes
        self.travel_km += km
        if prev_dep is None:
            return
        if abs(_minutes_between(prev_dep, arrive) - minutes) > TOL_MIN:
            self.out.append(
                f"{where}: arrive {stop['arrive']} != previous depart + {minutes:.2f} min"
            )
        day, (a, b) = self.day, ends
        if day.model is not None:
            want = day.model.leg(day.wgs(a), day.wgs(b), day.mode, day.clock(prev_dep))
            if abs(want.minutes - minutes) > TOL_MIN or abs(want.km - km) > max(
                0.01, 0.01 * want.km
            ):
                self.out.append(
                    f"{where}: leg {minutes:.2f} min / {km:.3f} km, the plan's travel model says "
                    f"{want.minutes:.2f} min / {want.km:.3f} km"
                )
            return
        # The straight line on raw and on WGS-84 coordinates; the longer one binds.
        crow = max(_km(a, b), haversine_km(day.wgs(a), day.wgs(b)))
        cap = SPEED_CAP_KMH["walk" if stop.get("type") == "sweep" else day.mode]
        if km < 0.98 * crow - 0.01:
            self.out.append(
                f"{where}: travel_km {km:.3f} is shorter than the straight line {crow:.3f}"
            )
        if crow > NEAR_KM and minutes < crow / cap * 60.0 - TOL_MIN:
            self.out.append(
                f"{where}: {crow:.2f} km in {minutes:.2f} min is faster than {cap:.0f} km/h"
            )

    def wait(self, where: str, stop: Json, arrive: datetime | None, start: datetime | None) -> None:
        """wait_minutes = start - arrive, and no start before the arrival."""
        wait = float(_opt(stop, "wait_minutes", 0.0))
        self.wait_minutes += wait
        if arrive is None or start is None:
            return
        if _minutes_between(arrive, start) < -TOL_S / 60:
            self.out.append(f"{where}: starts before it arrives")
        if abs(_minutes_between(arrive, start) - wait) > TOL_MIN:
            self.out.append(f"{where}: wait_minutes {wait} != start - arrive")

    def duration(self, where: str, what: str, times: Times, want: float) -> float:
        """Minutes from start to depart (0 when unknown); a violation unless ``want``."""
        start, depart = times
        if start is None or depart is None:
            return 0.0
        got = _minutes_between(start, depart)
        if abs(got - want) > TOL_MIN:
            self.out.append(f"{where}: {what} lasts {got:.2f} min, expected {want:g}")
        return got

    def starts_inside(
        self, where: str, what: str, start: datetime | None, windows: Sequence[Window]
    ) -> None:
        """A violation when ``start`` falls in none of ``windows`` (6 s of slack)."""
        if start is not None and not _inside(self.day.clock(start), windows, TOL_S / 60):
            shown = ", ".join(f"{_clock_text(a)}-{_clock_text(z)}" for a, z in windows)
            self.out.append(f"{where}: {what} starts {start.isoformat()} outside {shown}")

    def visit(self, where: str, stop: Json, loc: Json, times: Times) -> str | None:
        """A visit: a known lead, once, its flag, place, service and window. Returns the
        lead id when the visit is effective (it may anchor sweeps), else None."""
        lead_id = stop.get("lead_id")
        lead = self.day.leads.get(lead_id)
        if lead is None:
            self.out.append(f"{where}: unknown lead")
            self.specs_complete = False
            return None
        if lead_id in self.visited:
            self.out.append(f"{where}: lead visited twice")
        self.visited.append(lead_id)
        self.value += float(_opt(lead, "value", 0))
        effective = _is_effective(lead)
        if bool(stop.get("effective")) != effective:
            self.out.append(
                f"{where}: effective flag {stop.get('effective')}, the lead says {effective}"
            )
        if _km(loc, lead["location"]) > NEAR_KM:
            self.out.append(f"{where}: location is not the lead's location")
        service, windows = _service(lead), _windows(lead)
        self.service_minutes += self.duration(where, "service", times, service)
        self.starts_inside(where, "visit", times[0], windows)
        self.specs.append(_Spec("visit", self.day.wgs(loc), windows, service))
        return lead_id if effective else None

    def sweep(self, where: str, stop: Json, loc: Json, times: Times, anchor: str | None) -> None:
        """A sweep: a known building, once, at the building, right after its effective
        anchor (or a sweep of the same anchor), near it, sweep_minutes, 09:00-17:30."""
        building_id = stop.get("building_id")
        building = self.day.buildings.get(building_id)
        if building is None:
            self.out.append(f"{where}: unknown building")
            self.specs_complete = False
            return
        if building_id in self.swept:
            self.out.append(f"{where}: building swept twice")
        self.swept.append(building_id)
        footprint = building.get("footprint")
        if not (_km(loc, building["location"]) <= NEAR_KM or _in_footprint(loc, footprint)):
            self.out.append(f"{where}: sweep stop is not at its building")
        named = stop.get("anchor_lead_id")
        if named is None or named != anchor:
            self.out.append(
                f"{where}: not right after its anchor effective visit {named!r} "
                "(or a previous sweep of that anchor)"
            )
        else:
            self.sweep_reach(where, building, self.day.leads[named])
        minutes = float(_opt(building, "sweep_minutes", DEFAULT_SWEEP_MIN))
        window = (_hm(DEFAULT_WINDOW[0]), _hm(DEFAULT_WINDOW[1]))
        self.service_minutes += self.duration(where, "sweep", times, minutes)
        self.starts_inside(where, "sweep", times[0], [window])
        self.specs.append(_Spec("sweep", self.day.wgs(loc), (window,), minutes))

    def sweep_reach(self, where: str, building: Json, anchor: Json) -> None:
        """The anchor is in the building, within sweep_radius_m of it, or in its footprint."""
        near = _km(anchor["location"], building["location"])
        if not (
            anchor.get("building_id") == building["id"]
            or near <= self.day.radius_km + 1e-6
            or _in_footprint(anchor["location"], building.get("footprint"))
        ):
            self.out.append(
                f"{where}: building is {near * 1000:.0f} m from its anchor {anchor['id']}, beyond "
                f"the sweep radius of {self.day.radius_km * 1000:.0f} m and outside its footprint"
            )

    def lunch_break(
        self, where: str, loc: Json, around: tuple[Json, Json | None], times: Times
    ) -> None:
        """The lunch break: only when lunch is given, inside its window, exactly its
        length, taken at the previous stop or on arrival at the next one."""
        self.breaks += 1
        lunch = self.day.lunch
        if not lunch:
            self.out.append(f"{where}: a break although the problem has no lunch")
            return
        windows, minutes = self.day.lunch_windows(), float(lunch["minutes"])
        self.starts_inside(where, "lunch", times[0], windows)
        self.duration(where, "lunch", times, minutes)
        prev_loc, next_loc = around
        at_next = next_loc is not None and _km(loc, next_loc) <= NEAR_KM
        if _km(prev_loc, loc) > NEAR_KM and not at_next:
            self.out.append(f"{where}: a break is taken at the previous stop or at the next one")
        self.specs.append(_Spec("break", self.day.wgs(loc), windows, minutes))

    def end(self, where: str, loc: Json, arrive: datetime, is_last: bool) -> None:
        """The end: last, at rep.end, back by return_by."""
        if not is_last:
            self.out.append(f"{where}: 'end' before the last stop")
        if self.day.clock(arrive) > self.day.return_by + TOL_S / 60:
            self.out.append(f"end arrives {arrive.isoformat()} after return_by")
        if _km(loc, self.day.end) > NEAR_KM:
            self.out.append("end stop is not at rep.end")
        self.return_at = arrive
        self.specs.append(_Spec("end", self.day.wgs(loc)))


def _label(i: int, stop: Json) -> str:
    what = stop.get("lead_id") or stop.get("building_id") or ""
    return f"stop {i} ({stop.get('type')} {what})".replace(" )", ")")


# --- the plan as a whole -------------------------------------------------------------


def _issue_codes(plan: Json, out: list[str]) -> list[str]:
    issues = plan.get("issues") or []
    codes: list[str] = []
    for issue in issues:
        if not isinstance(issue, dict) or not isinstance(issue.get("code"), str):
            out.append(f"issue {issue!r} is not an object {{code, message}}")
            continue
        if not isinstance(issue.get("message"), str):
            out.append(f"issue {issue['code']} has no message")
        codes.append(issue["code"])
    return codes


def _read_unvisited(day: _Day, plan: Json, out: list[str]) -> dict[str, str]:
    """``unvisited`` as lead id -> reason: known leads, each once, with a valid reason."""
    found: dict[str, str] = {}
    for entry in plan.get("unvisited") or []:
        lead_id = entry.get("lead_id") if isinstance(entry, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if lead_id not in day.leads:
            out.append(f"unvisited names unknown lead {lead_id!r}")
            continue
        if lead_id in found:
            out.append(f"lead {lead_id} listed unvisited twice")
        if reason not in REASONS:
            out.append(f"unvisited lead {lead_id}: reason {reason!r} is not one of {REASONS}")
        found[lead_id] = reason
    return found


def _check_infeasible(
    day: _Day, status: Any, stops: list[Json], codes: list[str], unvisited: dict[str, str]
) -> list[str]:
    out: list[str] = []
    if status != "infeasible":
        out.append("a plan without stops must have status 'infeasible'")
    if stops:
        out.append("an infeasible plan has no stops")
    if "day_infeasible" not in codes:
        out.append("an infeasible plan without a day_infeasible issue")
    if set(unvisited) != set(day.leads) or any(r != "day_infeasible" for r in unvisited.values()):
        out.append("an infeasible day lists every lead unvisited with reason day_infeasible")
    if day.model is not None and _empty_day_fits(day):
        out.append("status infeasible although an empty day (lunch included) fits")
    return out


def _unmet_rules(day: _Day, visited: list[str]) -> dict[str, bool]:
    appointments = [i for i, x in day.leads.items() if _opt(x, "kind", "new") == "appointment"]
    effective = sum(1 for i in visited if _is_effective(day.leads[i]))
    return {
        "appointment_missed": any(i not in visited for i in appointments),
        "min_visits_unmet": len(visited) < day.min_visits,
        "min_effective_unmet": effective < day.min_effective,
    }


def _check_status(
    day: _Day, status: Any, codes: list[str], walk: _Walk, unvisited: dict[str, str]
) -> list[str]:
    """Status and rule issue codes, and reasons that depend on the rules."""
    out: list[str] = []
    unmet = _unmet_rules(day, walk.visited)
    for code, broken in unmet.items():
        if broken and code not in codes:
            out.append(f"rule broken without issue {code}")
        if not broken and code in codes:
            out.append(f"issue {code} although that rule holds")
    if "day_infeasible" in codes:
        out.append("day_infeasible issue on a plan with stops")
    if status == "ok" and any(unmet.values()):
        out.append("status ok although a rule is not met")
    if status == "shortfall" and not any(unmet.values()):
        out.append("status shortfall although every rule holds")
    if status == "infeasible":
        out.append("status infeasible on a plan with stops")
    lower = sorted(i for i, reason in unvisited.items() if reason == "lower_value")
    if lower and (unmet["min_visits_unmet"] or unmet["appointment_missed"]):
        out.append(f"leads dropped as lower_value while a higher rule is unmet: {lower[:5]}")
    if any(_opt(day.leads[i], "kind", "new") == "appointment" for i in lower):
        out.append("an appointment is never dropped as lower_value")
    doomed = sorted(i for i, reason in unvisited.items() if reason == "day_infeasible")
    if doomed:
        out.append(f"reason day_infeasible on a plan with stops: {doomed[:5]}")
    return out


def _check_accounting(day: _Day, walk: _Walk, unvisited: dict[str, str]) -> list[str]:
    out: list[str] = []
    if day.lunch and walk.breaks != 1:
        out.append(f"{walk.breaks} lunch breaks, expected exactly 1")
    both = sorted(set(walk.visited) & set(unvisited))
    if both:
        out.append(f"leads both visited and unvisited: {both[:5]}")
    missing = sorted(set(day.leads) - set(walk.visited) - set(unvisited))
    if missing:
        out.append(f"leads neither visited nor listed unvisited: {missing[:5]}")
    return out


def _check_totals(day: _Day, totals: Json, walk: _Walk) -> list[str]:
    out: list[str] = []
    effective = sum(1 for i in walk.visited if _is_effective(day.leads[i]))
    counts = {"visits": len(walk.visited), "effective_visits": effective, "sweeps": len(walk.swept)}
    for key, want in counts.items():
        if totals.get(key) != want:
            out.append(f"totals.{key} = {totals.get(key)}, the stops say {want}")
    sums = {
        "travel_minutes": walk.travel_minutes,
        "travel_km": walk.travel_km,
        "service_minutes": walk.service_minutes,
        "wait_minutes": walk.wait_minutes,
    }
    for key, want in sums.items():
        absolute, relative = TOTAL_TOLERANCES[key]
        got = totals.get(key)
        if not _is_number(got) or abs(got - want) > max(absolute, relative * want):
            out.append(f"totals.{key} = {got}, the stops say {want:.2f}")
    value = totals.get("value")
    if not _is_number(value) or abs(value - walk.value) > 1e-6 * max(1.0, walk.value):
        out.append(f"totals.value = {value}, the visited leads' values sum to {walk.value:g}")
    out += _check_return_at(totals.get("return_at"), walk.return_at)
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_return_at(given: Any, arrive: datetime | None) -> list[str]:
    try:
        got = datetime.fromisoformat(given) if isinstance(given, str) else None
    except ValueError:
        got = None
    if got is None or got.tzinfo is None:
        return [f"totals.return_at = {given!r} is not an instant with offset"]
    if arrive is None or abs((got - arrive).total_seconds()) > RETURN_AT_TOL_S:
        return [f"totals.return_at = {given}, the end arrives {arrive}"]
    return []


# --- geometry ----------------------------------------------------------------------


def _geometry_type(feature: Any) -> Any:
    if not isinstance(feature, dict):
        return None
    return (feature.get("geometry") or {}).get("type")


def _position(coords: Any) -> LatLon | None:
    try:
        return LatLon.from_lonlat(coords)
    except ValueError:
        return None


def _near(p: LatLon, q: LatLon) -> bool:
    return haversine_km(p, q) <= NEAR_KM


def _check_route_line(coords: list[Any], places: list[LatLon], day: _Day) -> list[str]:
    """The line begins at the start, finishes at the end, and passes the stops in order,
    missing none and adding no other point."""
    route = [_position(c) for c in coords]
    if not route or any(p is None for p in route):
        return ["route line has a position that is not WGS-84 [lon, lat]"]
    points = [p for p in route if p is not None]
    out: list[str] = []
    if not _near(points[0], day.wgs(day.start)):
        out.append("route line does not begin at rep.start (GeoJSON is WGS-84, [lon, lat])")
    if not _near(points[-1], day.wgs(day.end)):
        out.append("route line does not finish at rep.end")
    cursor = 0
    for n, p in enumerate(points):
        ahead = next((j for j in range(cursor, len(places)) if _near(p, places[j])), None)
        if ahead is not None:
            cursor = ahead
        elif any(_near(p, q) for q in places):
            out.append(f"route line position {n} goes back to an earlier stop")
        else:
            out.append(f"route line position {n} is at no stop (WGS-84 [lon, lat]?)")
    skipped = [j for j, q in enumerate(places) if not any(_near(p, q) for p in points)]
    if skipped:
        out.append(f"route line misses stops {skipped[:5]}")
    return out


def _check_geometry(
    day: _Day, geometry: Any, stops: list[Json], unvisited: dict[str, str]
) -> list[str]:
    if not isinstance(geometry, dict) or geometry.get("type") != "FeatureCollection":
        return ["geometry is not a GeoJSON FeatureCollection"]
    features = geometry.get("features") or []
    lines = [f for f in features if _geometry_type(f) == "LineString"]
    if not lines:
        return ["geometry has no LineString route"]
    places = [day.wgs(s["location"]) for s in stops if s.get("location")]
    out = _check_route_line(lines[0]["geometry"].get("coordinates") or [], places, day)
    pool = places + [day.wgs(day.leads[i]["location"]) for i in unvisited]
    for feature in features:
        if _geometry_type(feature) != "Point":
            continue
        p = _position(feature["geometry"].get("coordinates"))
        if p is None or not any(_near(p, q) for q in pool):
            out.append(
                f"a Point feature at {feature['geometry'].get('coordinates')} is at no stop "
                "and no unvisited lead (WGS-84 [lon, lat]?)"
            )
    return out


# --- honest reasons and maximality ---------------------------------------------------


def _check_reasons(day: _Day, unvisited: dict[str, str]) -> list[str]:
    """window_unreachable only for a lead that cannot fit alone; no_time only for one
    that can (given the checker's slack, so that borderline cases pass both ways)."""
    out: list[str] = []
    for lead_id, reason in unvisited.items():
        lead = day.leads[lead_id]
        if reason == "window_unreachable" and _fits_alone(day, lead):
            out.append(f"lead {lead_id}: reason window_unreachable, but alone it can be reached")
        if reason == "no_time" and not _fits_alone(day, lead, window_slack=TOL_MIN):
            out.append(f"lead {lead_id}: reason no_time, but it does not fit even alone")
    return out


def _check_maximality(day: _Day, specs: list[_Spec], unvisited: dict[str, str]) -> list[str]:
    """Re-time the plan's own stops leaving at shift_start with each unvisited lead of
    value > 0 (and each appointment) put before each stop that is not a sweep."""
    out: list[str] = []
    for lead_id, reason in unvisited.items():
        lead = day.leads[lead_id]
        if float(_opt(lead, "value", 0)) <= 0 and _opt(lead, "kind", "new") != "appointment":
            continue
        me = day.lead_spec(lead)
        for k, spec in enumerate(specs):
            if spec.kind == "sweep":
                continue  # never between an anchor and its sweep
            if _simulate(day, [*specs[:k], me, *specs[k:]], day.shift_start):
                out.append(
                    f"the plan is not maximal: lead {lead_id} ({reason}) fits before stop "
                    f"{k + 1} ({spec.kind}) without breaking a hard limit"
                )
                break
    return out


# --- entry point ---------------------------------------------------------------------


def verify_plan(problem: dict, plan: dict) -> list[str]:
    """Every way ``plan`` breaks the DESIGN.md contract for ``problem``.

    Parameters
    ----------
    problem : dict
        A day problem, as JSON (absent or null optional fields take their defaults).
    plan : dict
        The day plan that answers it, as JSON.

    Returns
    -------
    list of str
        Human-readable violations; empty when the plan is valid.
    """
    out: list[str] = []
    try:
        _verify(problem, plan, out)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        out.append(f"malformed plan or problem: {type(err).__name__}: {err}")
    return out


def _verify(problem: Json, plan: Json, out: list[str]) -> None:
    day = _Day.read(problem, _travel_model(plan, out))
    status = plan.get("status")
    if status not in STATUSES:
        out.append(f"status {status!r} is not one of {STATUSES}")
    codes = _issue_codes(plan, out)
    unvisited = _read_unvisited(day, plan, out)
    stops = plan.get("stops") or []
    if status == "infeasible" or not stops:
        out += _check_infeasible(day, status, stops, codes, unvisited)
        return
    if len(stops) < 2 or stops[0].get("type") != "start" or stops[-1].get("type") != "end":
        out.append("stops must begin with 'start' and finish with 'end' (the kind is in 'type')")
        return
    walk = _Walk(day, out)
    walk.run(stops)
    out += _check_accounting(day, walk, unvisited)
    out += _check_status(day, status, codes, walk, unvisited)
    out += _check_totals(day, plan.get("totals") or {}, walk)
    out += _check_geometry(day, plan.get("geometry") or {}, stops, unvisited)
    if day.model is not None:
        out += _check_reasons(day, unvisited)
        if walk.specs_complete:
            out += _check_maximality(day, walk.specs, unvisited)
