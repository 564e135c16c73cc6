"""Failed logins are throttled per account and per client address, in the database: a few free
attempts, then waits that double up to 15 minutes. A throttled attempt is refused (429, with
Retry-After and the time to come back) before argon2 runs and without writing anything; the
first wait of a streak is audited once. Unknown API tokens count against their address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import argon2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.auth.models import LoginThrottle, WebSession
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.engine.assembly import build_engine
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.cli.conftest import database_state
from tests.adapters.web.accounts import PASSWORD, add_users
from tests.conftest import bearer

ATTACKER = ("203.0.113.9", 40000)
NEIGHBOUR = ("198.51.100.7", 40000)


@pytest.fixture
def user(db: Database, clock: FakeClock) -> str:
    add_users(db, clock, "ann")
    return "ann"


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification made (argon2-cffi's own method, still run for real)."""
    made: list[str] = []
    real = argon2.PasswordHasher.verify

    def verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        made.append(password)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    return made


@pytest.fixture
def from_address(ctx: AppContext) -> Iterator[Any]:
    """TestClients of one app, each as if connecting from the given address."""
    app = create_app(ctx)
    opened: list[TestClient] = []

    def open_client(address: tuple[str, int]) -> TestClient:
        client = TestClient(app, client=address)
        client.__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


def log_in(client: TestClient, username: str, password: str) -> Any:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def fail_patiently(client: TestClient, clock: FakeClock, username: str, failures: int) -> None:
    """`failures` wrong passwords, each sent once the previous wait is over (a patient guesser)."""
    counted = 0
    while counted < failures:
        response = log_in(client, username, f"guess {counted}")
        if response.status_code == 429:
            clock.advance(timedelta(seconds=int(response.headers["retry-after"])))
            continue
        assert response.status_code == 401, response.text
        counted += 1


def throttle_audit(db: Database) -> list[tuple[str, str, dict]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.entity_key, AuditEntry.after)
            .where(AuditEntry.action == "login.throttle")
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(row) for row in rows]


def sessions(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(WebSession))


def test_right_password_after_15_wrong_ones_waits_then_works(
    from_address: Any, user: str, db: Database, clock: FakeClock, hashes: list[str]
) -> None:
    client = from_address(ATTACKER)
    fail_patiently(client, clock, "ann", 15)
    before, hashed = database_state(db), len(hashes)

    refused = log_in(client, "ann", PASSWORD)

    # 5 free failures, then 1 s doubling: the 15th buys a wait of 2**9 s.
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "512"
    page = " ".join(refused.text.split())
    assert "Too many failed logins for this account or from this address." in page
    assert "Try again in 9 minutes (after 14:" in page
    assert 'value="ann"' in refused.text  # the form is kept for the retry
    assert len(hashes) == hashed  # argon2 did not run
    assert database_state(db) == before  # and nothing was written
    assert sessions(db) == 0

    clock.advance(timedelta(seconds=511))
    assert log_in(client, "ann", PASSWORD).status_code == 429
    clock.advance(timedelta(seconds=1))
    assert log_in(client, "ann", PASSWORD).status_code == 303
    assert sessions(db) == 1
    with db.read() as session:  # the account starts over; the address keeps its count
        kept = session.execute(select(LoginThrottle.scope, LoginThrottle.failures)).all()
    assert [tuple(row) for row in kept] == [("address", 15)]
    # One entry when the account first had to wait, none for the nine waits after it.
    [(actor, key, after)] = throttle_audit(db)
    assert (actor, key, after["failures"], after["cause"]) == (
        "address:203.0.113.9",
        "account:ann",
        6,
        "login",
    )


def test_waits_are_counted_in_the_database_so_every_process_sees_them(
    ctx: AppContext, user: str, clock: FakeClock
) -> None:
    # Two apps on one database, as `serve --workers 2` runs (or one app before and after a
    # restart): failures sent to either add up.
    other = AppContext(db=ctx.db, settings=ctx.settings, clock=clock)
    with (
        TestClient(create_app(ctx), client=ATTACKER) as first,
        TestClient(create_app(other), client=ATTACKER) as second,
    ):
        for attempt in range(6):
            response = log_in((first, second)[attempt % 2], "ann", "wrong password")
            assert response.status_code == 401
        assert log_in(first, "ann", PASSWORD).status_code == 429
        assert log_in(second, "ann", PASSWORD).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert log_in(second, "ann", PASSWORD).status_code == 303


def test_an_address_guessing_across_accounts_is_throttled_and_others_are_not(
    from_address: Any, user: str, db: Database, clock: FakeClock
) -> None:
    attacker, neighbour = from_address(ATTACKER), from_address(NEIGHBOUR)
    add_users(db, clock, "bob", "cy", "dee", "eve")
    # 21 guesses spread over five accounts: none reaches its limit (5 free), the address
    # (20 free) does.
    for n in range(21):
        name = ("ann", "bob", "cy", "dee", "eve")[n % 5]
        assert log_in(attacker, name, "wrong password").status_code == 401

    refused = log_in(attacker, "ann", PASSWORD)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
    assert log_in(neighbour, "ann", PASSWORD).status_code == 303
    assert [key for _actor, key, _after in throttle_audit(db)] == ["address:203.0.113.9"]
    clock.advance(timedelta(seconds=1))
    assert log_in(attacker, "ann", PASSWORD).status_code == 303


def test_unknown_api_tokens_throttle_their_address_without_a_lookup(
    from_address: Any, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    attacker, neighbour = from_address(ATTACKER), from_address(NEIGHBOUR)
    for n in range(21):
        guessed = attacker.get("/api/v1/services", headers=bearer(f"owt_guess{n}"))
        assert guessed.status_code == 401
    before = database_state(db)

    refused = attacker.get("/api/v1/services", headers=bearer(tokens["viewer"]))

    # Even a real token is refused from there, before it is looked up: the address must wait.
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "unknown API tokens" in refused.json()["error"]["message"]
    assert database_state(db) == before
    assert neighbour.get("/api/v1/services", headers=bearer(tokens["viewer"])).status_code == 200
    [(actor, key, after)] = throttle_audit(db)
    assert (actor, key, after["cause"]) == (
        "address:203.0.113.9",
        "address:203.0.113.9",
        "api token",
    )
    clock.advance(timedelta(seconds=1))
    assert attacker.get("/api/v1/services", headers=bearer(tokens["viewer"])).status_code == 200


def test_a_revoked_token_is_refused_but_not_counted_as_a_guess(
    from_address: Any, tokens: dict[str, str], db: Database, clock: FakeClock
) -> None:
    client = from_address(ATTACKER)
    with db.transaction() as session:
        auth.revoke_token(session, name="test-viewer", actor="test", now=clock.now())
    for _ in range(25):
        assert client.get("/api/v1/services", headers=bearer(tokens["viewer"])).status_code == 401
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


def test_a_new_password_set_by_an_admin_lifts_the_wait(
    from_address: Any, user: str, db: Database, clock: FakeClock
) -> None:
    client = from_address(ATTACKER)
    fail_patiently(client, clock, "ann", 8)
    assert log_in(client, "ann", PASSWORD).status_code == 429
    with db.transaction() as session:
        auth.set_password(
            session, username="ann", password="a new passphrase", actor="test", now=clock.now()
        )
    assert log_in(client, "ann", "a new passphrase").status_code == 303


def test_counts_no_one_has_added_to_for_a_day_are_purged(
    from_address: Any, user: str, db: Database, clock: FakeClock
) -> None:
    fail_patiently(from_address(ATTACKER), clock, "ann", 3)
    engine = build_engine(db, clock)
    clock.advance(timedelta(hours=23))
    engine.tick()
    with db.read() as session:  # the address forgot after an hour, the account not yet
        assert session.scalars(select(LoginThrottle.scope)).all() == ["account"]
    clock.advance(timedelta(hours=1))
    engine.tick()
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
