"""Test databases: a fresh SQLite file, or a fresh schema on the local PostgreSQL server.

PostgreSQL comes from ``IRONROUTE_TEST_POSTGRES_URL`` (CI sets it after making sure a server
is up) or, when that is unset, from the usual local default; when no server answers there,
the PostgreSQL cases skip with the reason — unless the variable was set, then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.store.db import normalize_url

PG_ENV = "IRONROUTE_TEST_POSTGRES_URL"
PG_DEFAULT = os.environ.get(
    "IRONROUTE_TEST_POSTGRES_DEFAULT", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_admin_url() -> tuple[str, bool]:
    explicit = os.environ.get(PG_ENV)
    return (explicit or PG_DEFAULT), bool(explicit)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL on a new, empty schema of the test PostgreSQL server (dropped afterwards)."""
    base, explicit = _pg_admin_url()
    admin = create_engine(normalize_url(base), connect_args={"connect_timeout": 3})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as err:
        admin.dispose()
        reason = f"PostgreSQL not reachable at {base} ({str(err).splitlines()[0]})"
        if explicit:
            pytest.fail(f"{reason}; {PG_ENV} is set, so this must not be skipped")
        pytest.skip(f"{reason}; start a server or set {PG_ENV} to run the PostgreSQL cases")
    url = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL on an empty database of ``backend`` ('sqlite' or 'postgresql')."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ironroute.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()
