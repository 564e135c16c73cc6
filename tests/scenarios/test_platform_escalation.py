"""Seed playbook 004's paging: the relay gateway pages the sprint's primary, then its
secondary (the next sprint's primary), then the platform's tech lead, and the policy runs once
more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.schedules.lookups import on_call_at
from tests.integration.escalation.helpers import engine, open_on, pages
from tests.scenarios.conftest import Ask

NY = ZoneInfo("America/New_York")


def test_the_sprints_primary_then_its_secondary(
    example: Callable[[str], Ask], db: Database, clock: FakeClock
) -> None:
    example("004-platform-rotation.yaml")
    at = datetime(2026, 3, 12, 15, 0, tzinfo=NY)
    with db.read() as session:
        primary, secondary = (
            on_call_at(session, "relay-on-call", at, role)[0].holder
            for role in ("primary", "secondary")
        )
    incident = open_on(db, "relay-api", at)
    run = engine(db, clock)
    for minutes in range(0, 70, 10):
        run.tick(at + timedelta(minutes=minutes))
    whom = [who for _, who in pages(db, incident)]
    assert whom[:2] == [primary, secondary] and primary != secondary
    assert len(whom) == 6 and whom[3:5] == [primary, secondary]
