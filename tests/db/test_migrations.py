from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warroom.db.engine import Database
from warroom.db.migrate import upgrade
from warroom.db.models import Base


def test_the_migrations_build_exactly_the_tables_the_code_expects(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    upgrade(database.engine)
    upgrade(database.engine)
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_the_head_revision_the_server_checks_on_start_is_the_newest_migration(
    database: Database,
) -> None:
    from alembic.script import ScriptDirectory

    from warroom.db.migrate import HEAD, alembic_config, current_revision

    script = ScriptDirectory.from_config(alembic_config(database.engine))
    assert script.get_current_head() == HEAD
    assert current_revision(database.engine) == HEAD
