"""The PostgreSQL search backend for tests: on the migrated test database when it is PostgreSQL."""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("EDU_TEST_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgresql")
#: A parameter value that runs only when the test database is PostgreSQL.
POSTGRES = pytest.param("postgres", marks=pytest.mark.skipif(
    not ON_PG, reason="the PostgreSQL backend needs EDU_TEST_DATABASE_URL=postgresql…"))


@pytest.fixture(scope="session")
def pg_engine(app):
    """An engine of its own on the migrated test database (``app`` migrates it once)."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_search(pg_engine):
    """A PostgreSQL backend on emptied tables, emptied again afterwards (its writes commit)."""
    from eduplatform.core.search.postgres_backend import PostgresSearch

    backend = PostgresSearch(pg_engine, lock_timeout=10)
    backend.clear()
    yield backend
    backend.clear()
