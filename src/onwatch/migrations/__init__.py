"""Alembic migrations, shipped inside the package so `onwatch migrate` works from a wheel."""
