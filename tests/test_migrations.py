"""Migrations and models agree; the migration chain goes down and up again."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from ensemble.db import Model
from ensemble.devstack import bootstrap

from conftest import TEST_CONFIG, TEST_DB


def _diff(url: str) -> list:
    import ensemble.models  # noqa: F401

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return compare_metadata(ctx, Model.metadata)
    finally:
        engine.dispose()


@pytest.mark.no_db_rollback
def test_models_and_migrations_agree(database):
    assert _diff(database.owner) == []


@pytest.mark.no_db_rollback
def test_downgrade_to_base_and_upgrade_again(servers, template_database):
    import os

    from flask_migrate import downgrade, upgrade

    from ensemble import create_app

    urls = bootstrap.bootstrap(servers["admin_url"], f"{TEST_DB}_migrations", recreate=True)
    saved = {k: os.environ.get(k) for k in urls.as_env()}
    os.environ.update(urls.as_env())
    try:
        app = create_app(TEST_CONFIG)
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            upgrade()
        assert _diff(urls.owner) == []
    finally:
        for key, value in saved.items():
            os.environ[key] = value
