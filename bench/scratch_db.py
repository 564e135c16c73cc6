"""A database a benchmark may fill and throw away: SQLite in a temporary folder, or a PostgreSQL
database of its own created beside `postgres` (a server URL) and dropped afterwards."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from onwatch.core.db import Database


@contextmanager
def scratch_database(postgres: str | None, label: str) -> Iterator[Database]:
    if postgres is None:
        with tempfile.TemporaryDirectory(prefix="onwatch-bench-") as scratch:
            db = Database(f"sqlite:///{Path(scratch) / 'onwatch.db'}")
            yield db
            db.dispose()
        return
    name = f"onwatch_bench_{label}_{os.getpid()}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(f"{postgres.rsplit('/', 1)[0]}/{name}")
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
