"""Seed playbook 002's paging, moving a fake clock and ticking the engine: an incident must be
acknowledged within 15 minutes in business hours and 60 outside (nights, weekends, US
holidays). Unacknowledged by then, an SLA breach is recorded and the secondary is paged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.schedules.lookups import on_call_at
from tests.integration.escalation.helpers import breaches, engine, open_on, pages, timeline
from tests.scenarios.conftest import Ask

NY = ZoneInfo("America/New_York")


def holder(db: Database, role: str, at: datetime) -> str:
    with db.read() as session:
        [found] = on_call_at(session, "check-in-oncall", at, role)
    assert found.holder is not None
    return found.holder


@pytest.mark.parametrize(
    ("at", "deadline"),
    [
        (datetime(2026, 11, 28, 21, 0, tzinfo=NY), 60),  # a Saturday at 21:00
        (datetime(2026, 11, 24, 10, 0, tzinfo=NY), 15),  # a Tuesday at 10:00
        (datetime(2026, 11, 26, 10, 0, tzinfo=NY), 60),  # Thanksgiving Day at 10:00
    ],
)
def test_the_primary_is_paged_then_the_secondary_when_the_deadline_lapses(
    example: Callable[[str], Ask], db: Database, clock: FakeClock, at: datetime, deadline: int
) -> None:
    example("002-check-in.yaml")
    incident = open_on(db, "arrival-kiosk", at)
    run = engine(db, clock)
    run.tick(at)
    primary, secondary = holder(db, "primary", at), holder(db, "secondary", at)
    assert [who for _, who in pages(db, incident)] == [primary]
    run.tick(at + timedelta(minutes=deadline) - timedelta(seconds=1))
    assert [who for _, who in pages(db, incident)] == [primary]
    assert breaches(db, incident) == []
    run.tick(at + timedelta(minutes=deadline))
    assert [who for _, who in pages(db, incident)] == [primary, secondary]
    assert len(breaches(db, incident)) == 1
    assert timeline(db, incident, "sla_breach") == [
        f"SLA breach: not acknowledged within {deadline} minutes of step 1"
    ]
