"""Persistence: SQLAlchemy tables, Alembic migrations and the one Repository."""
