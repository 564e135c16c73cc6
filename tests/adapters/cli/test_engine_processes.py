"""Two `onwatch engine` processes on one PostgreSQL database, as operators scale out: 1,000
incidents, each escalating through a two-step policy to a signed-webhook channel on loopback.
The engines share the steps and the outbox (SKIP LOCKED): exactly 2,000 messages arrive, each
idempotency key once. PostgreSQL only (on SQLite one engine is the supported setup)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.directory.queries import get_service
from onwatch.escalation.models import IncidentEscalation
from onwatch.incidents.actions import open_incident
from onwatch.notifications.models import Notification
from tests import shapes
from tests.adapters.cli.serving import Served, onwatch_env
from tests.integration.engine.delivering import SECRET
from tests.receivers import receiving

INCIDENTS = 1000
STEPS = 2
# Step 1 is due when the incident opens (in the past here), step 2 one second after step 1
# fired; the hour after step 2 keeps a third page (the policy repeating) out of the test.
ORG = """\
version: 1
services:
  - {name: checkout, escalation_policy: fast}
channels:
  - {name: hook, type: webhook, url: "URL", secret: "env:HOOK_SECRET",
     rate_limit: {max: 100000, per: 1s}}
escalation_policies:
  - name: fast
    steps:
      - {targets: [{channel: hook}], delay: 1s}
      - {targets: [{channel: hook}], delay: 1h}
"""


def start_engine(tmp_path: Path, db: Database) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "onwatch.cli.main", "engine"],
        env={
            **onwatch_env(
                tmp_path,
                database_url=db.url,
                secret_key="k" * 40,
                engine_interval_seconds="0.2",
                delivery_batch="64",
                delivery_threads="16",
            ),
            "HOOK_SECRET": SECRET,
        },  # fmt: skip
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Served(process, "")


def stop(engine: Served) -> None:
    """SIGTERM, then read what it printed until it ends."""
    if engine.process.poll() is None:
        engine.process.send_signal(signal.SIGTERM)
    try:
        assert engine.ended() == 0, engine.lines
    finally:
        if engine.process.poll() is None:
            engine.process.kill()


@pytest.mark.postgres
def test_two_engine_processes_page_each_step_of_1000_incidents_exactly_once(
    postgresql_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = postgresql_db
    monkeypatch.setenv("HOOK_SECRET", SECRET)  # apply reads the reference, as the engines do
    clock = SystemClock()
    opened_at = clock.now() - timedelta(minutes=10)
    with receiving(shapes.standard_webhook(SECRET)) as receiver:
        doc = document.load(ORG.replace("URL", receiver.url), "org")
        assert doc.errors == []
        with db.transaction() as session:
            apply(session, doc, prune=False, actor="test", now=opened_at)
            service_id = get_service(session, "checkout").id
            for n in range(INCIDENTS):
                open_incident(
                    session, service_id=service_id, title=f"incident {n}", severity="sev1",
                    now=opened_at, actor="test",
                )  # fmt: skip

        engines = [start_engine(tmp_path, db) for _ in range(2)]  # both start at once
        try:
            for engine in engines:
                engine.wait_for("engine started")
            requests = []
            # In chunks: the receiver's patience is per take, a safety net, not a deadline.
            for _ in range(INCIDENTS * STEPS // 100):
                requests += receiver.take(100)
        finally:
            for engine in engines:
                stop(engine)  # each finishes its tick: what it sent is recorded

    with db.read() as session:
        pending = session.scalar(select(func.count()).where(Notification.state != "sent"))
        waiting = session.scalar(select(func.count()).where(IncidentEscalation.step != STEPS - 1))
    assert (pending, waiting) == (0, 0)  # nothing more is due within the hour

    keys = Counter(r.headers["webhook-id"] for r in requests)
    assert len(keys) == INCIDENTS * STEPS
    assert set(keys.values()) == {1}
    steps = Counter(key.split(":")[4] for key in keys)
    assert steps == {"0": INCIDENTS, "1": INCIDENTS}, steps
    with db.read() as session:
        rows = session.scalar(select(func.count()).select_from(Notification))
        tries = session.scalar(select(func.sum(Notification.attempts)))
    assert rows == tries == INCIDENTS * STEPS  # no message sent twice, even by its own engine
    # Both engines did work (the test is about two of them sharing it).
    worked = [any("delivery: " in line for line in e.lines) for e in engines]
    assert worked == [True, True], [e.lines for e in engines]
