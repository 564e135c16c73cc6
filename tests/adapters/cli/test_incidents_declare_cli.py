"""`onwatch incidents declare` from the shell: the incident opens as `cli:<user>` (source cli)
and the service's on-call is paged; `--json` prints it; `--key` declares once; a bad field exits
3 naming it, with nothing stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident, TimelineEntry
from tests.adapters.cli.conftest import Onwatch
from tests.integration.escalation.helpers import engine, load, pages


def _incidents(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def test_declare_from_the_shell_pages_the_on_call(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    said = onwatch(
        "incidents", "declare", "--service", "api", "--title", "Checkout fails",
        "--severity", "sev2", "--priority", "p2", "--summary", "Orders fail.",
    )  # fmt: skip
    assert said.exit_code == 0, said.output
    assert said.stdout.startswith("declared incident 1 on api (sev2): Checkout fails")
    with db.read() as session:
        opened = session.scalars(select(TimelineEntry).where(TimelineEntry.kind == "opened")).one()
        assert opened.source == "cli" and opened.actor.startswith("cli:")
    # The command reads the system clock: the engine ticks just after it, whoever is on call.
    clock.set(datetime.now(UTC) + timedelta(seconds=1))
    engine(db, clock).tick()
    assert [who for _, who in pages(db, 1)] in (["ann"], ["bob"])


def test_declare_with_json_and_a_key_declares_once(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    args = ("incidents", "declare", "--service", "api", "--title", "Down", "--key", "run-42")
    first = json.loads(onwatch(*args, "--json").stdout)
    again = json.loads(onwatch(*args, "--json").stdout)
    assert (first["created"], again["created"]) == (True, False)
    assert first["incident"]["id"] == again["incident"]["id"]
    assert first["incident"]["severity"] == "sev3"
    assert "already declared" in onwatch(*args).stdout
    assert _incidents(db) == 1


def test_a_bad_field_exits_3_naming_it_with_nothing_stored(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    load(db, clock)
    refused = onwatch("incidents", "declare", "--service", "nowhere", "--title", "Down")
    assert (refused.exit_code, refused.stderr.strip()) == (
        3, "error: service: there is no service 'nowhere'",
    )  # fmt: skip
    bad = onwatch("incidents", "declare", "--service", "api", "--title", "x", "--severity", "9")
    assert bad.exit_code == 3 and "severity: must be one of sev1" in bad.stderr
    assert _incidents(db) == 0
