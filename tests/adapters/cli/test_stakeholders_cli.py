"""`onwatch incidents update` and `onwatch announce` from the shell: the update goes to the
lists (--json prints it), a closed incident exits 5 with the reason and stores nothing; the
announcement reaches the same lists."""

from __future__ import annotations

import json

from sqlalchemy import select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.incidents.models import Incident
from onwatch.stakeholders.models import StatusUpdate
from tests.adapters.cli.conftest import Onwatch
from tests.integration.escalation.helpers import open_on
from tests.integration.stakeholders.org import load_org, outbox

KEY = {"ONWATCH_SECRET_KEY": "a-test-key-that-is-long-enough-0123456789"}


def test_an_update_and_an_announcement_from_the_shell(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now(), severity="sev1")

    sent = onwatch("incidents", "update", str(incident), "--status", "Rolling back.",
                   "--summary", "Carts fail to load.", "--json", env=KEY)  # fmt: skip
    assert sent.exit_code == 0, sent.output
    body = json.loads(sent.stdout)
    assert body["subject"].startswith("Shopping cart Production Outage ")
    assert body["recipients"] == [
        "leads@example.org", "support@example.org", "cart-owners@example.org",
    ]  # fmt: skip
    assert body["author"].startswith("cli:")

    announced = onwatch("announce", "cart", "v2.4.0", "--notes", "Faster checkout.",
                        "--at", "2026-12-01T09:00:00-05:00", env=KEY)  # fmt: skip
    assert announced.exit_code == 0, announced.output
    assert announced.stdout.strip() == (
        "announced to 3 subscribers: Shopping cart Release 12-01-2026"
    )
    assert len(outbox(db, "update")) == 6


def test_an_update_for_a_closed_incident_exits_5_and_stores_nothing(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    incident = open_on(db, "cart", clock.now())
    with db.transaction() as session:
        row = session.get(Incident, incident)
        assert row is not None
        row.status, row.resolved_at, row.closed_at = "closed", clock.now(), clock.now()
    refused = onwatch("incidents", "update", str(incident), "--status", "Late.", env=KEY)
    assert refused.exit_code == 5
    assert "is closed" in refused.stderr
    with db.read() as session:
        assert session.scalars(select(StatusUpdate)).all() == []
