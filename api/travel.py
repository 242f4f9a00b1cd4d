"""The travel source the settings choose, for every caller: plans, runs, balances, the API.

A source is picklable and cheap: each process (solver worker, run worker) builds its own
engine from it on first use (:class:`geo.providers.sources.ValhallaSource`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from geo import TravelSource
from planner.routing.solve import BUILTIN_TRAVEL, SolveSettings

if TYPE_CHECKING:
    from api.settings import Settings

SETTINGS_PREFIX = "IRONROUTE_"


def travel_source(settings: Settings) -> TravelSource:
    """The built-in model, or the Valhalla tiles ``settings`` name."""
    if settings.travel_provider == "valhalla" and settings.valhalla_tiles:
        from geo.providers.sources import ValhallaSource

        return ValhallaSource(tiles=settings.valhalla_tiles)
    return BUILTIN_TRAVEL


def environment_sets_nothing(environ: Mapping[str, str] | None = None) -> bool:
    """Whether no ``IRONROUTE_*`` variable is set (any case, as pydantic-settings reads them):
    the settings are then the defaults, and a caller wanting only the travel source may skip
    loading them (pydantic-settings is a tenth of a CLI plan's start-up)."""
    names = os.environ if environ is None else environ
    return not any(name.upper().startswith(SETTINGS_PREFIX) for name in names)


def batch_settings(settings: Settings) -> SolveSettings:
    """The morning run's per-rep solve settings with the chosen travel source."""
    from planner.runs.batch import BATCH_SETTINGS

    return replace(BATCH_SETTINGS, travel=travel_source(settings))
