"""The travel source the settings choose, for every caller: plans, runs, balances, the API.

A source is picklable and cheap: each process (solver worker, run worker) builds its own
engine from it on first use (:class:`geo.providers.sources.ValhallaSource`).
"""

from __future__ import annotations

from dataclasses import replace

from api.settings import Settings
from geo import TravelSource
from planner.routing.solve import BUILTIN_TRAVEL, SolveSettings
from planner.runs.batch import BATCH_SETTINGS


def travel_source(settings: Settings) -> TravelSource:
    """The built-in model, or the Valhalla tiles ``settings`` name."""
    if settings.travel_provider == "valhalla" and settings.valhalla_tiles:
        from geo.providers.sources import ValhallaSource

        return ValhallaSource(tiles=settings.valhalla_tiles)
    return BUILTIN_TRAVEL


def batch_settings(settings: Settings) -> SolveSettings:
    """The morning run's per-rep solve settings with the chosen travel source."""
    return replace(BATCH_SETTINGS, travel=travel_source(settings))
