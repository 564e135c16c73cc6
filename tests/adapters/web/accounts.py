"""Login accounts for tests that make many login attempts, with argon2 at its least cost."""

from __future__ import annotations

import argon2

from onwatch.auth.models import User
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database

PASSWORD = "correct horse battery staple"
# argon2 reads its parameters from the stored hash, so with these the dozens of attempts a
# test makes take milliseconds each. (An unknown username is checked against a hash at full
# cost: such tests guess at accounts that exist.)
CHEAP = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def add_users(db: Database, clock: FakeClock, *names: str) -> None:
    """Viewer accounts with the password PASSWORD."""
    with db.transaction() as session:
        hashed = CHEAP.hash(PASSWORD)
        for name in names:
            session.add(
                User(username=name, password_hash=hashed, role="viewer", created_at=clock.now())
            )
