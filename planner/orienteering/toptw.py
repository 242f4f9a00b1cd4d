"""The Team Orienteering Problem with Time Windows (TOPTW) benchmark format: instances, BKS tables
and an independent route checker in exact integer time units. Pure: every function takes text.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "ToptwInstance",
    "parse_bks",
    "parse_toptw",
    "route_score",
    "verify_routes",
]

# Fields of a vertex line: ``i x y d S f a list O C`` (``list`` has ``a`` entries, so >= 9).
_MIN_VERTEX_FIELDS = 9
# A float product closer than this to an integer is recomputed exactly (see travel_units).
_BOUNDARY_EPS = 1e-6
# How far a file's service time or window may be from a whole number of units (float noise).
_UNITS_TOL = 1e-6


@dataclass(frozen=True, slots=True, kw_only=True)
class ToptwInstance:
    """One TOPTW instance as written in the KU Leuven files; index 0 is the depot.

    Times and distances are in the file's units. The solver-facing integer units are
    ``10**decimals`` per file unit: tenths for the Solomon-based files (c*, r*, rc*),
    hundredths for the Cordeau-based ones (pr*), the precision to which the format rounds
    distances down.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"c101"``.
    x, y : tuple of float
        Coordinates.
    service : tuple of float
        Service (visit) duration.
    score : tuple of int
        Profit collected by visiting the vertex (0 for the depot).
    open, close : tuple of float
        Earliest and latest start of service. ``close[0]`` is each route's time budget.
    decimals : int
        Digits kept when distances are rounded down: 1 (Solomon-based) or 2 (pr*).
    """

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    service: tuple[float, ...]
    score: tuple[int, ...]
    open: tuple[float, ...]
    close: tuple[float, ...]
    decimals: int

    def __post_init__(self) -> None:
        n = len(self.x)
        if n == 0:
            raise ValueError(f"instance {self.name!r} has no vertices (needs the depot, 0)")
        for field in ("y", "service", "score", "open", "close"):
            if len(getattr(self, field)) != n:
                raise ValueError(
                    f"instance {self.name!r}: {field} has {len(getattr(self, field))} values "
                    f"for {n} vertices"
                )
        if self.decimals < 0:
            raise ValueError(f"instance {self.name!r}: decimals must be >= 0, not {self.decimals}")

    @property
    def n_customers(self) -> int:
        """Number of customers N (vertices 1..N)."""
        return len(self.x) - 1

    @property
    def horizon(self) -> float:
        """Time budget of each route: it must be back at the depot by ``close[0]``."""
        return self.close[0]

    def travel_units(self, i: int, j: int) -> int:
        """Travel time (= distance) from ``i`` to ``j`` in integer units, rounded down.

        ``floor(10**decimals * d)`` with d the Euclidean distance, i.e. the format's
        ``floor(10 d) / 10`` (Solomon-based) or ``floor(100 d) / 100`` (pr*), in units.
        The float product is used when it is clear of an integer by more than 1e-6; closer
        than that (e.g. a distance of exactly 5.0, where float error could floor to 49
        tenths), it is recomputed exactly from the coordinates' decimal values with integer
        square roots. The result is therefore exact for coordinates written with up to 15
        significant digits, as in every file of the library.
        """
        scale: int = 10**self.decimals
        value = math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j]) * scale
        below = math.floor(value)
        if value - below > _BOUNDARY_EPS and below + 1 - value > _BOUNDARY_EPS:
            return below
        dx = Fraction(repr(self.x[i])) - Fraction(repr(self.x[j]))
        dy = Fraction(repr(self.y[i])) - Fraction(repr(self.y[j]))
        # floor(sqrt(q)) == isqrt(floor(q)) for every real q >= 0.
        return math.isqrt(math.floor((dx * dx + dy * dy) * scale * scale))

    def travel(self, i: int, j: int) -> float:
        """Travel time from ``i`` to ``j`` in file units: ``travel_units(i, j) / 10**decimals``."""
        scale: int = 10**self.decimals
        return self.travel_units(i, j) / scale

    def units(self, value: float) -> int:
        """A time of the file (service, window, budget) as an exact number of integer units.

        Raises
        ------
        ValueError
            When ``value`` has more than ``decimals`` decimal digits.
        """
        scale: int = 10**self.decimals
        whole = round(value * scale)
        if abs(whole - value * scale) > _UNITS_TOL * max(1.0, abs(value)):
            raise ValueError(
                f"instance {self.name!r}: time {value!r} is not a whole number of 1/{scale} units"
            )
        return whole


def _decimals_for(name: str) -> int:
    return 2 if name.lower().startswith("pr") else 1


def _number(token: str, what: str, line_no: int) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ValueError(f"line {line_no}: {what} {token!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"line {line_no}: {what} {token!r} is not finite")
    return value


def parse_toptw(text: str, name: str) -> ToptwInstance:
    """Parse a TOPTW file of the KU Leuven library (format ``TOPTW_format.txt``).

    Lines 1-2 (``k v N t`` and ``D Q``) are skipped without being read: c204's header is
    broken in the original zip, and N is not trusted. Every following non-blank line is a
    vertex ``i x y d S f a list O C``; O and C are read as the last two fields because
    ``list`` has a variable length. Vertices must be numbered 0, 1, 2, ... in order. CRLF
    line endings and blank lines at the end are accepted.

    Parameters
    ----------
    text : str
        The file's content.
    name : str
        Instance name (the file stem). Names starting with ``pr`` get ``decimals=2``,
        all others ``decimals=1``.

    Raises
    ------
    ValueError
        On malformed input, with the 1-based line number.
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) < 3:
        raise ValueError(f"{name}: needs 2 header lines and at least the depot's line")
    cols: dict[str, list[float]] = {k: [] for k in ("x", "y", "service", "open", "close")}
    scores: list[int] = []
    for line_no, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            raise ValueError(f"line {line_no}: blank line between vertex lines")
        if len(fields) < _MIN_VERTEX_FIELDS:
            raise ValueError(
                f"line {line_no}: a vertex line needs at least {_MIN_VERTEX_FIELDS} fields "
                f"(i x y d S f a list O C), found {len(fields)}"
            )
        expected = len(scores)
        if fields[0] != str(expected):
            raise ValueError(f"line {line_no}: expected vertex id {expected}, found {fields[0]!r}")
        x, y, service, score = (
            _number(fields[k], what, line_no)
            for k, what in ((1, "x"), (2, "y"), (3, "service"), (4, "score"))
        )
        open_, close = (_number(fields[k], what, line_no) for k, what in ((-2, "O"), (-1, "C")))
        if score != int(score) or score < 0:
            raise ValueError(f"line {line_no}: score {fields[4]!r} is not a whole number >= 0")
        if service < 0:
            raise ValueError(f"line {line_no}: service duration {fields[3]!r} is negative")
        if close < open_:
            raise ValueError(
                f"line {line_no}: window closes ({close:g}) before it opens "
                f"({open_:g}) at vertex {expected}"
            )
        for key, value in zip(cols, (x, y, service, open_, close), strict=True):
            cols[key].append(value)
        scores.append(int(score))
    if scores[0] != 0 or cols["service"][0] != 0:
        raise ValueError("line 3: the depot (vertex 0) must have score 0 and service 0")
    inst = ToptwInstance(
        name=name,
        x=tuple(cols["x"]),
        y=tuple(cols["y"]),
        service=tuple(cols["service"]),
        score=tuple(scores),
        open=tuple(cols["open"]),
        close=tuple(cols["close"]),
        decimals=_decimals_for(name),
    )
    for v in range(len(scores)):
        for t in (inst.service[v], inst.open[v], inst.close[v]):
            try:
                inst.units(t)
            except ValueError as err:
                raise ValueError(f"line {v + 3}: {err}") from None
    return inst


def parse_bks(text: str) -> dict[tuple[str, int], int]:
    """Parse ``bks.csv`` (``instance,m,bks_score,source``) into ``{(instance, m): score}``.

    Raises
    ------
    ValueError
        On a missing column, a non-integer value or a repeated (instance, m), with the line.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = {"instance", "m", "bks_score"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"line 1: bks table lacks column(s) {sorted(missing)}")
    table: dict[tuple[str, int], int] = {}
    for row in reader:
        line_no = reader.line_num
        try:
            key = (row["instance"].strip(), int(row["m"]))
            score = int(row["bks_score"])
        except (ValueError, AttributeError, TypeError):
            raise ValueError(f"line {line_no}: bad row {row!r}") from None
        if key in table:
            raise ValueError(f"line {line_no}: repeated instance and m {key}")
        table[key] = score
    return table


def verify_routes(
    inst: ToptwInstance, routes: Sequence[Sequence[int]], *, m: int | None = None
) -> list[str]:
    """Check routes against the TOPTW rules, in exact integer units.

    Each route is the list of customer ids it visits, the depot (0) left out: it leaves the
    depot at ``open[0]``, service at ``v`` starts at ``max(arrival, open[v])`` and must start
    by ``close[v]``, lasts ``service[v]``, and the route is back at the depot by ``close[0]``.
    Every id must be a customer 1..N, visited at most once over all routes; with ``m``, at
    most ``m`` routes.

    Returns
    -------
    list of str
        Human-readable violations; empty when the routes are feasible.
    """
    violations: list[str] = []
    if m is not None and len(routes) > m:
        violations.append(f"{len(routes)} routes for at most m={m}")
    scale: int = 10**inst.decimals
    seen: dict[int, int] = {}
    for r, route in enumerate(routes, start=1):
        t = inst.units(inst.open[0])
        prev = 0
        for v in route:
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= inst.n_customers:
                violations.append(f"route {r}: {v!r} is not a customer id 1..{inst.n_customers}")
                continue
            if v in seen:
                violations.append(f"route {r}: customer {v} already visited by route {seen[v]}")
            else:
                seen[v] = r
            start = max(t + inst.travel_units(prev, v), inst.units(inst.open[v]))
            if start > inst.units(inst.close[v]):
                violations.append(
                    f"route {r}: customer {v} starts service at {start / scale:g}, "
                    f"after its window closes at {inst.close[v]:g}"
                )
            t = start + inst.units(inst.service[v])
            prev = v
        back = t + inst.travel_units(prev, 0)
        if back > inst.units(inst.close[0]):
            violations.append(
                f"route {r}: back at the depot at {back / scale:g}, "
                f"after the time budget {inst.close[0]:g}"
            )
    return violations


def route_score(inst: ToptwInstance, routes: Sequence[Sequence[int]]) -> int:
    """Total score of the distinct customers the routes visit (check them with verify_routes)."""
    visited = {v for route in routes for v in route if 1 <= v <= inst.n_customers}
    return sum(inst.score[v] for v in visited)
