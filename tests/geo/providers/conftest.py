"""Fixtures for the Valhalla provider tests: tiles of the synthetic city, built once."""

from __future__ import annotations

import pytest

pytest.importorskip("valhalla")
pytest.importorskip("osmium")

from geo.providers.valhalla import ValhallaProvider  # noqa: E402
from geo.providers.valhalla_build import BuildSummary, build_tiles  # noqa: E402
from tests.geo.providers.synthetic_city import (  # noqa: E402
    SyntheticCity,
    write_gtfs,
    write_osm_pbf,
)


@pytest.fixture(scope="session")
def city() -> SyntheticCity:
    """A 12 x 12 grid of 200 m blocks in Shanghai, with two bus lines."""
    return SyntheticCity()


@pytest.fixture(scope="session")
def built(city: SyntheticCity, tmp_path_factory: pytest.TempPathFactory) -> BuildSummary:
    """Road and transit tiles of the synthetic city (about a second to build)."""
    root = tmp_path_factory.mktemp("valhalla")
    extract = write_osm_pbf(city, root / "city.osm.pbf")
    gtfs = write_gtfs(city, root / "gtfs")
    return build_tiles(extract, root / "out", gtfs_dir=gtfs, concurrency=1)


@pytest.fixture(scope="session")
def roads_only(city: SyntheticCity, tmp_path_factory: pytest.TempPathFactory) -> BuildSummary:
    """Road tiles of the synthetic city without transit."""
    root = tmp_path_factory.mktemp("valhalla_roads")
    return build_tiles(write_osm_pbf(city, root / "city.osm.pbf"), root / "out", concurrency=1)


@pytest.fixture
def provider(built: BuildSummary) -> ValhallaProvider:
    """A fresh provider (empty cache) over the synthetic city's tiles."""
    return ValhallaProvider(built.tiles_dir)
