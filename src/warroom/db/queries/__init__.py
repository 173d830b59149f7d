"""The hot paths' statements, each in one place, run on the driver through `db.sql`.

Status values come from the domain's enums and index names from the models' `Index`
objects; tests/db/test_queries.py shows each reads and writes what its ORM equivalent
does, on SQLite and on PostgreSQL.
"""
