"""Storage: engine, models, migrations."""
