"""Adapters to outside travel-time engines, each behind :class:`geo.TravelTimeProvider`.

The only place in ``geo`` that reads files or starts processes; foreign errors become
:mod:`geo.providers.errors` at the boundary. Importing this package does not load an
engine: pyvalhalla is imported when a provider is first built.

- :mod:`geo.providers.valhalla`: ``ValhallaProvider`` (drive, bike, walk matrices;
  transit by GTFS, per pair; optional predicted traffic).
- :mod:`geo.providers.sources`: ``ValhallaSource``, the setting that yields a provider
  per planned day.
- :mod:`geo.providers.valhalla_build`: ``build_tiles`` from an OSM extract.
"""
