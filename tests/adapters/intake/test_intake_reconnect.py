"""Intake's writer keeps its PostgreSQL connection without pinging it before each batch: when
the server drops it (a restart, a failover), the batch that finds out is stored on a fresh
connection, and the monitor still gets its 202."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.intake.payloads import trigger
from tests.adapters.intake.stored import alerts


def test_a_connection_the_server_dropped_costs_no_event(
    postgresql_db: Database, settings: Settings, clock: FakeClock
) -> None:
    db = postgresql_db
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        key = create_integration(session, name="reader-pd", service="reader", kind="pagerduty",
                                 actor="test", now=clock.now()).key
    app = create_app(AppContext(db=db, settings=settings, clock=clock))
    with TestClient(app) as client:
        assert client.post("/v2/enqueue", json=trigger(key, "disk")).status_code == 202
        with db.transaction() as session:  # what a server restart does to every other session
            dropped = session.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
        assert dropped >= 1
        assert client.post("/v2/enqueue", json=trigger(key, "disk")).status_code == 202
    [alert] = alerts(db)
    assert alert.count == 2
