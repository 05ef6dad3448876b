"""Persistence: SQLAlchemy tables, the SqlStore repository, Alembic migrations."""
