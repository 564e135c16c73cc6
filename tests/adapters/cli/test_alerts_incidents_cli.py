"""`onwatch alerts …` and `onwatch incidents …` on the database, as tables and as --json;
ack and resolve from the shell are audited and land on the timeline as `cli:<user>`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from onwatch.alerts.events import AlertEvent
from onwatch.alerts.ingest import Routed, ingest
from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.queries import get_service
from onwatch.directory.specs import ServiceSpec
from tests.adapters.cli.conftest import Onwatch
from tests.timeline import unruled


@pytest.fixture
def stored(db: Database, clock: FakeClock) -> None:
    """Service reader: alert `disk` (twice) and `cpu` in one incident; `old` resolved."""
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        service_id = get_service(session, "reader").id

    def send(*events: AlertEvent) -> None:
        with db.transaction() as session:
            ingest(session, [Routed(service_id, "reader", e) for e in events],
                   integration_id=None, now=clock.advance(timedelta(minutes=1)))

    def trigger(key: str) -> AlertEvent:
        return AlertEvent("trigger", key, summary=f"{key} trouble", severity="warning")

    send(trigger("old"))
    send(AlertEvent("resolve", "old"))
    send(trigger("disk"), trigger("disk"), trigger("cpu"))


def test_alerts_list_and_show_as_table_and_json(onwatch: Onwatch, stored: None) -> None:
    table = onwatch("alerts", "list", "--status", "open")
    assert table.exit_code == 0
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["ID", "LAST", "SEEN", "SERVICE", "STATUS", "SEVERITY", "COUNT",
                              "SUMMARY"]
    assert ["cpu trouble" in lines[0], "disk trouble" in lines[1], len(lines)] == [True, True, 2]
    listed = json.loads(onwatch("alerts", "list", "--json").stdout)
    assert [(a["dedup_key"], a["status"], a["count"]) for a in listed["items"]] == [
        ("cpu", "firing", 1), ("disk", "firing", 2), ("old", "resolved", 1)]
    disk = listed["items"][1]["id"]
    shown = json.loads(onwatch("alerts", "show", str(disk), "--events", "1", "--json").stdout)
    assert (shown["events_total"], len(shown["events"])) == (2, 1)
    text = onwatch("alerts", "show", str(disk)).stdout
    assert "events (2 newest of 2):" in text
    missing = onwatch("alerts", "show", "999")
    assert (missing.exit_code, missing.stderr.strip()) == (4, "error: no alert 999")


def test_incidents_list_show_ack_and_resolve(
    onwatch: Onwatch, stored: None, db: Database
) -> None:
    listed = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    assert [i["status"] for i in listed] == ["triggered", "resolved"]
    open_id = listed[0]["id"]
    assert onwatch("incidents", "list", "--status", "open").stdout.count("\n") == 2  # + header

    acked = onwatch("incidents", "ack", str(open_id))
    assert acked.stdout.strip() == f"incident {open_id} acknowledged"
    again = json.loads(onwatch("incidents", "ack", str(open_id), "--json").stdout)
    assert again["changed"] is False
    resolved = onwatch("incidents", "resolve", str(open_id))
    assert resolved.stdout.strip() == f"incident {open_id} resolved"
    late = onwatch("incidents", "ack", str(open_id))
    assert (late.exit_code, late.stderr.strip()) == (
        5,
        f"error: incident {open_id} is resolved, so it cannot be acknowledged (only a "
        "triggered one can); it can be closed or reopened",
    )

    shown = json.loads(onwatch("incidents", "show", str(open_id), "--json").stdout)
    assert unruled(e["kind"] for e in shown["timeline"]) == [
        "opened", "alert", "acknowledged", "resolved"]
    assert unruled(shown["timeline"])[-1]["actor"].startswith("cli:")
    assert {a["status"] for a in shown["alerts"]} == {"resolved"}
    with db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert unruled(actions)[-2:] == ["incident.acknowledge", "incident.resolve"]
