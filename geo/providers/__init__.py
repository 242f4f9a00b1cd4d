"""Adapters to outside travel-time engines, each behind :class:`geo.TravelTimeProvider`.

Road-network adapters (OSRM- and Valhalla-compatible table endpoints) and geocoders will
live here; they are the only place in ``geo`` allowed to make network calls, and they
translate foreign errors into :mod:`geo.errors` at the boundary.
"""
