"""Wrong logins do not hold up intake: a login checks its password (argon2, tens of
milliseconds of CPU) with no transaction open, so on SQLite no writer waits for it. Shown on a
real uvicorn with logins in threads: while they all sit inside argon2 at once, no login holds
a database connection or SQLite's write lock, and a monitor's alert is stored."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import argon2
import httpx
import pytest
from sqlalchemy.engine import make_url

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.context import AppContext
from tests.adapters.intake.loopback import serving
from tests.adapters.intake.payloads import am_alert, am_webhook
from tests.adapters.intake.stored import Keys, alerts
from tests.adapters.web.accounts import add_users
from tests.integration.core.test_sqlite_write_lock import _held_elsewhere

LOGINS = 6
PATIENCE = 60  # seconds; only so that a broken build fails instead of hanging


def write_lock_is_held(db: Database) -> bool:
    """Whether a writer holds the SQLite file's write lock (as another process would see it).
    Always False on PostgreSQL, which has none."""
    if db.dialect != "sqlite":
        return False
    return _held_elsewhere(Path(make_url(db.url).database + ".write-lock"))


def wrong_login(base: str, results: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=PATIENCE) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        response = client.post(
            "/login", data={"username": "ann", "password": "wrong password", "csrf_token": token}
        )
        results.append(response.status_code)


def test_logins_hash_with_no_transaction_open_while_intake_stores_an_alert(
    ctx: AppContext, db: Database, clock: FakeClock, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_users(db, clock, "ann")
    inside = threading.Condition()
    hashing: list[bool] = []  # per login: whether the write lock was held as it began to hash
    release = threading.Event()
    real = argon2.PasswordHasher.verify

    def verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        held = write_lock_is_held(db)
        with inside:
            hashing.append(held)
            inside.notify_all()
        if not held:  # wait for the others, so that all are hashing at once (never holding
            release.wait(PATIENCE)  # the lock: that would only deadlock a broken build)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    results: list[int] = []
    with serving(ctx) as base:
        logins = [threading.Thread(target=wrong_login, args=(base, results)) for _ in range(LOGINS)]
        try:
            for login in logins:
                login.start()
            with inside:
                assert inside.wait_for(lambda: len(hashing) == LOGINS, PATIENCE)
            connections_held = db.engine.pool.checkedout()
            stored = httpx.post(
                f"{base}/api/v1/intake/alertmanager/{keys['alertmanager']}",
                json=am_webhook(am_alert("DiskFull")),
                timeout=PATIENCE,
            )
        finally:
            release.set()
            for login in logins:
                login.join(PATIENCE)

    assert hashing == [False] * LOGINS
    assert connections_held == 0
    assert stored.status_code == 202
    assert [alert.labels["alertname"] for alert in alerts(db)] == ["DiskFull"]
    assert results == [401] * LOGINS
