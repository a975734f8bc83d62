"""Every schema change is a migration: the migrated database matches the models, and downgrades work."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from eduplatform import create_app
from eduplatform.core.extensions import db


def test_models_match_the_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.nodb
def test_upgrade_downgrade_upgrade_on_an_empty_database(tmp_path):
    app = create_app({"ENV_NAME": "testing", "DATA_DIR": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}"})
    with app.app_context():
        flask_migrate.upgrade()
        assert "audit_entries" in db.inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade()
        assert {"users", "org_units", "stored_files"} <= set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
