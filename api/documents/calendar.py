"""Working days at the API edge: public holidays and make-up working days from the
``holidays`` package (China by default), then a branch's own override lists on top.

The planner is pure: it receives the result as a ``WorkCalendar`` (dates as data).
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
from holidays.registry import COUNTRIES
from pydantic import BaseModel, ConfigDict, Field

from planner import WorkCalendar

DEFAULT_COUNTRY = "CN"
HORIZON_DAYS = 60  # the urgency rule looks for the next working day; a month of holidays is rare


class CalendarIn(BaseModel):
    """Which days are worked: a country's public calendar and the branch's own exceptions."""

    model_config = ConfigDict(extra="forbid")

    country: str | None = Field(
        None,
        min_length=2,
        max_length=4,
        description="ISO 3166 code of the public-holiday calendar (with its make-up working "
        "days); default CN. 'none' means Monday-Friday only",
    )
    days_off: list[date] = Field(
        default_factory=list, max_length=366, description="Extra days off (YYYY-MM-DD)"
    )
    working_days: list[date] = Field(
        default_factory=list,
        max_length=366,
        description="Days worked whatever the public calendar says (YYYY-MM-DD)",
    )


def work_calendar(day: date, spec: CalendarIn | None) -> WorkCalendar:
    """The working days from ``day`` on, for ``HORIZON_DAYS``: the public calendar of
    ``spec.country`` with the branch's overrides applied (they win over the public one).

    Raises
    ------
    ValueError
        If the country has no calendar in the ``holidays`` package.
    """
    spec = spec or CalendarIn()
    country = (spec.country or DEFAULT_COUNTRY).upper()
    last = day + timedelta(days=HORIZON_DAYS)
    off: set[date] = set()
    worked: set[date] = set()
    if country != "NONE":
        public = _public_holidays(country, range(day.year, last.year + 1))
        off = {d for d in public if day <= d <= last}
        worked = {d for d in getattr(public, "weekend_workdays", ()) if day <= d <= last}
    extra_off, extra_worked = set(spec.days_off), set(spec.working_days)
    off = (off - extra_worked) | extra_off
    worked = (worked - extra_off) | extra_worked
    return WorkCalendar(days_off=tuple(sorted(off)), working_days=tuple(sorted(worked)))


def _public_holidays(country: str, years: range) -> holidays.HolidayBase:
    """``holidays.country_holidays(country, years=years)``, with only that country's module
    imported: the package ``holidays.countries`` imports all ~250 countries (0.1 s, an eighth
    of a CLI plan's start-up). The module is loaded from its file into ``sys.modules`` under
    its own name, where holidays' lazy loader (and the package, if imported later) finds it."""
    modules = [m for m, codes in COUNTRIES.items() if country in codes[1:]]
    if len(modules) == 1 and "holidays.countries" not in sys.modules:
        _preload(f"holidays.countries.{modules[0]}", f"countries/{modules[0]}.py")
    return holidays.country_holidays(country, years=years)


def _preload(module_name: str, relative_path: str) -> None:
    """Execute one module of the holidays package without its parent package's ``__init__``;
    on any failure leave ``sys.modules`` as it was (the normal import then runs)."""
    if module_name in sys.modules:
        return
    path = Path(holidays.__file__).parent / relative_path
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[module_name]
