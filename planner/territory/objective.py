"""The balancer's objective, in one place: what each rule and goal costs per unit.

Natural units: per lead, per minute of estimated workload, per value point, per km. The
ranks: a lead short of ``min_leads`` > a minute over ``capacity_minutes`` > a building
piece (a split) > the workload (±3 %) and value (±7 %) bands > travel, distance to the
territory centre and churn > evenness inside the bands. Beyond the promised bands
(less a margin) a rep pays a steep cost on top, left out when the search merges splits.
Km costs are counted in territory sizes (``Costs.relative``). The user's weights scale the
soft goals. The seeding flow prices the same goals in its own integer units (per lead of
a unit sent to a rep): its costs are the ``flow_*`` fields, scaled by the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.territory.problem import BalanceWeights

WORKLOAD_BAND = 0.03
"""Half-width of the workload band around the team mean (the target is ≤ 1.05 max/mean)."""
VALUE_BAND = 0.07
"""Half-width of the value band around the team mean (the target is ±10 %)."""
WORKLOAD_TARGET = 0.05
"""The promised workload band (max/mean ≤ 1.05); reps outside it are reported as pinned."""
VALUE_TARGET = 0.10
"""The promised value band (±10 % of the mean); reps outside it are reported as pinned."""
PAST_WORKLOAD = WORKLOAD_TARGET - 0.01
"""Where the steep workload cost starts: inside the promise, a margin for the tours' estimate."""
PAST_VALUE = VALUE_TARGET - 0.01
"""Where the steep value cost starts: inside the promise, a margin for split units."""

REFERENCE_SCALE_KM = 2.6
"""The territory size (``_seed.territory_scale_km``) at which the km costs are set as written;
smaller territories price a km more (the pull to the centre and from the base), so that
compactness keeps its weight against churn and the bands: 1,800 leads / 40 reps measure
~1.7 km (×1.5), 18,000 / 400 ~0.7 km (×3.7)."""
_MAX_SCALE_FACTOR = 4.0  # tiny pools (all leads in a few hundred metres) stay as written ×4


@dataclass(frozen=True, slots=True, kw_only=True)
class Costs:
    deficit: float = 1e6  # per lead below the lower bound
    over_capacity: float = 2e4  # per minute above capacity_minutes (above the steep band cost)
    piece: float = 1e5  # per extra rep holding leads of one building
    # per extra rep in a building that holds private leads: their owner goes there
    # anyway, so its pool leads may go to another rep when the bands or compactness
    # gain more (about 2.5 lead-km of distance to the centre, 2 minutes outside a band)
    piece_private: float = 50.0
    workload_in: float = 0.5  # per minute off the team mean
    workload_out: float = 30.0  # per minute outside the band
    value_in: float = 0.5  # per point off the team mean
    value_out: float = 20.0  # per point outside the band
    workload_past: float = 300.0  # per minute beyond the promised band (±5 %), on top
    value_past: float = 200.0  # per point beyond the promised band (±10 %), on top
    new_value_short: float = 20.0  # per point a new rep is below the band (on top)
    travel: float = 1.0  # per tour minute
    star: float = 20.0  # per lead-km from the territory centre
    # per lead taken from its owner: half of 40, which held territories near yesterday's
    # sprawl (400 reps: compactness ratio 1.21 at 40, 1.20 at 20, 1.19 at 12; leads moved
    # 9,753 → 10,012 of 18,000 at 20)
    churn: float = 20.0
    # The seeding min-cost flow (integer costs per lead): km from the territory centre
    # and from the rep's base, a lead taken from its owner, a lead kept off a building
    # its rep holds private leads in (a bonus), the k-th lead above a rep's lower bound
    # (k times this: counts even out first), each lead up to the lower bound (a bonus),
    # a lead left unassigned.
    flow_star_per_km: float = 100.0
    flow_base_per_km: float = 10.0
    flow_churn: float = 150.0
    flow_whole_building: float = 100.0
    flow_step: float = 2000.0
    # per lead, per value point off the mean lead's, per share a rep's value is off the
    # team's (after a round): 10 % rich and 20 points richer than the mean lead is 1 km
    flow_value_price: float = 25.0
    flow_lower_bonus: int = 10**7
    flow_unassigned: int = 10**9

    def relative(self, scale_km: float, reference_km: float = REFERENCE_SCALE_KM) -> Costs:
        """These costs with every distance counted in territory sizes rather than km."""
        if scale_km <= 0:
            return self
        f = min(max(reference_km / scale_km, 1.0), _MAX_SCALE_FACTOR)
        return replace(
            self,
            star=self.star * f,
            flow_star_per_km=self.flow_star_per_km * f,
            flow_base_per_km=self.flow_base_per_km * f,
        )


def costs_for(w: BalanceWeights) -> Costs:
    """The objective with the user's weights applied to the soft goals."""
    return Costs(
        workload_in=0.5 * w.balance,
        workload_out=30.0 * w.balance,
        value_in=0.5 * w.value,
        value_out=20.0 * w.value,
        workload_past=300.0 * w.balance,
        value_past=200.0 * w.value,
        new_value_short=20.0 * w.value,
        travel=1.0 * w.compactness,
        star=20.0 * w.compactness,
        churn=20.0 * w.churn,
        flow_star_per_km=100.0 * w.compactness,
        flow_base_per_km=10.0 * w.compactness,
        flow_churn=150.0 * w.churn,
        flow_step=2000.0 * w.balance,
        flow_value_price=25.0 * w.value,
    )


def banded(x: float, target: float, band: float, inside: float, outside: float) -> float:
    """``inside`` per unit off ``target`` plus ``outside`` per unit beyond ``band``."""
    off = abs(x - target)
    return inside * off + outside * max(0.0, off - band)


def rep_cost(
    c: Costs,
    workload: float,
    value: float,
    wt: float,
    vt: float,
    *,
    is_new: bool,
    capacity: float | None,
    steep: bool = True,
) -> float:
    """What one rep's workload and value cost against the team's targets ``wt`` and ``vt``:
    the bands, the steep cost past the promise (unless ``steep`` is off), a new rep's value
    shortfall and the minutes over its capacity. (``banded`` and ``past_promise`` written
    out: the local search prices hundreds of thousands of moves with it.)"""
    off_w, off_v = abs(workload - wt), abs(value - vt)
    out = c.workload_in * off_w + c.value_in * off_v
    out += c.workload_out * max(0.0, off_w - WORKLOAD_BAND * wt)
    out += c.value_out * max(0.0, off_v - VALUE_BAND * vt)
    if steep:
        out += c.workload_past * max(0.0, off_w - PAST_WORKLOAD * wt)
        out += c.value_past * max(0.0, off_v - PAST_VALUE * vt)
    if is_new:
        out += c.new_value_short * max(0.0, (1 - VALUE_BAND) * vt - value)
    if capacity is not None:
        out += c.over_capacity * max(0.0, workload - capacity)
    return out


def past_promise(c: Costs, workload: float, wt: float, value: float, vt: float) -> float:
    """The steep cost of a rep beyond the promised bands (less their margin). It may outweigh a
    split, so the search leaves it out where it merges split buildings."""
    out = c.workload_past * max(0.0, abs(workload - wt) - PAST_WORKLOAD * wt)
    out += c.value_past * max(0.0, abs(value - vt) - PAST_VALUE * vt)
    return out
