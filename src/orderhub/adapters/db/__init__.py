"""Relational storage with SQLAlchemy Core: SQLite (embedded default) and PostgreSQL."""
