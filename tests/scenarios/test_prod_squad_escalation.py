"""Seed playbook 003's paging: beatriz is on PTO during her week as primary, so the override
makes hana (her secondary, the backup) primary and mei secondary; an error on case intake pages
hana, then mei, then kestrel's tech lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from tests.integration.escalation.helpers import engine, open_on, pages
from tests.scenarios.conftest import Ask

NY = ZoneInfo("America/New_York")


def test_the_backup_is_paged_while_the_primary_is_on_pto(
    example: Callable[[str], Ask], db: Database, clock: FakeClock
) -> None:
    example("003-prod-squad.yaml")
    at = datetime(2026, 3, 10, 10, 0, tzinfo=NY)  # beatriz's week, during her PTO
    incident = open_on(db, "case-intake", at)
    run = engine(db, clock)
    for minutes in (0, 15, 30):
        run.tick(at + timedelta(minutes=minutes))
    assert [who for _, who in pages(db, incident)] == ["hana", "mei", "oskar"]
