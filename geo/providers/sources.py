"""Road-network travel sources: a setting that names the tiles, turned into a provider per
planned day inside whichever process plans (each process keeps its own few engines)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.providers.valhalla import ValhallaProvider

__all__ = ["ValhallaSource"]

_KEEP = 4  # engines kept per process: a run plans one day, a server a few
_engines: OrderedDict[tuple[ValhallaSource, dt.date], ValhallaProvider] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True, slots=True, kw_only=True)
class ValhallaSource:
    """Valhalla tiles (as ``ironroute roads build`` writes them) as a travel source.

    Parameters
    ----------
    tiles : str
        The folder ``ironroute roads build`` wrote (its ``tiles/`` is used), a tile
        directory, or a .tar extract.
    bucket_min, walk_below_km, snap_m : float
        Passed to :class:`ValhallaProvider`.
    """

    tiles: str
    bucket_min: float = 60.0  # transit is routed per pair and bucket: hours, not minutes
    walk_below_km: float = 0.8
    snap_m: float = 500.0

    def for_day(self, day: dt.date) -> ValhallaProvider:
        """This process's provider for ``day`` (built on first use, then reused).

        Raises
        ------
        ProviderUnavailable
            If pyvalhalla is missing or the tiles cannot be loaded.
        """
        key = (self, day)
        with _lock:
            provider = _engines.get(key)
            if provider is None:
                path = Path(self.tiles)
                if (path / "tiles").is_dir():
                    path = path / "tiles"
                provider = ValhallaProvider(
                    path,
                    day=day,
                    bucket_min=self.bucket_min,
                    walk_below_km=self.walk_below_km,
                    snap_m=self.snap_m,
                )
                _engines[key] = provider
                while len(_engines) > _KEEP:
                    _engines.popitem(last=False)
            _engines.move_to_end(key)
            return provider

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": "valhalla", "tiles": …}``: what the setting names."""
        return {"kind": "valhalla", "tiles": self.tiles, "bucket_min": self.bucket_min}
