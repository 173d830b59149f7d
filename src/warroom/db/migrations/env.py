"""Alembic environment: runs against the engine handed over by warroom.db.migrate."""

from alembic import context
from sqlalchemy import text

from warroom.db.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # Two replicas starting at once must not both migrate.
        connection.execute(text("SELECT pg_advisory_lock(7265746)"))
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(7265746)"))
        connection.commit()
