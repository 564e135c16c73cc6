"""A schedule names the services whose incidents it answers (`services:`), and a service
declares whether it is `public`: both apply, export and apply back with no diff; a schedule
naming an unknown service is reported with its place; a service a schedule names cannot be
pruned away from under it."""

from __future__ import annotations

import pytest

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.directory.queries import get_service
from onwatch.schedules.lookups import on_call_for_service
from tests.integration.schedules.test_schedule_config import applied, exported

FILE = """\
version: 1
people:
  - {handle: ann, name: Ann, email: ann@example.org}
services:
  - {name: reader, public: true}
  - {name: writer}
schedules:
  - name: storage
    time_zone: UTC
    services: [writer, reader]
    layers:
      - {members: [ann], shift_length: 1w, start_date: 2026-01-05}
"""


def test_services_and_public_apply_export_and_apply_back(db: Database, clock: FakeClock) -> None:
    applied(db, clock, FILE)
    text = exported(db)
    assert "services:\n  - writer\n  - reader" in text.replace("    ", "  ")
    assert "public: true" in text and text.count("public:") == 1
    assert applied(db, clock, text, prune=True).changes == []
    with db.read() as session:
        [on_call] = on_call_for_service(session, get_service(session, "reader").id, clock.now())
    assert (on_call.schedule, on_call.role, on_call.holder) == ("storage", "primary", "ann")


def test_a_schedule_naming_an_unknown_service_is_reported_with_its_place(
    db: Database, clock: FakeClock
) -> None:
    with pytest.raises(Invalid) as raised:
        applied(db, clock, FILE.replace("[writer, reader]", "[writer, reeder]"))
    assert "schedules[0].services[1]: no service 'reeder'" in str(raised.value)


def test_a_service_a_schedule_still_names_is_not_pruned(db: Database, clock: FakeClock) -> None:
    applied(db, clock, FILE)
    without_writer = FILE.replace("  - {name: writer}\n", "")
    with pytest.raises(Invalid) as raised:
        applied(db, clock, without_writer, prune=True)
    assert "cannot delete 'writer'" in str(raised.value)
    dropped = without_writer.replace("[writer, reader]", "[reader]")
    assert [
        f"{c.action} {c.kind} {c.key}" for c in applied(db, clock, dropped, prune=True).changes
    ] == ["update schedule storage", "delete service writer"]
