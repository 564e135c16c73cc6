"""`onwatch outbox list|retry`: dead letters with their last error; a retry is audited; a wrong
id or state is a sentence and an exit code, with nothing changed."""

from __future__ import annotations

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch, database_state
from tests.integration.engine.dead import dead_letter


def test_list_and_retry_a_dead_letter(onwatch: Onwatch, db: Database, clock: FakeClock) -> None:
    row_id = dead_letter(db, clock)
    listed = onwatch("outbox", "list")
    assert listed.exit_code == 0, listed.output
    assert "Ann Archer by slack" in listed.output and "refused" in listed.output
    pending = onwatch("outbox", "list", "--state", "pending")
    assert pending.output.strip() == "No messages (pending)."

    done = onwatch("outbox", "retry", str(row_id))
    assert done.exit_code == 0, done.output
    assert f"message {row_id} to Ann Archer by slack queued again" in done.output
    assert "No dead letters." in onwatch("outbox", "list").output


def test_a_wrong_id_or_state_changes_nothing(
    onwatch: Onwatch, db: Database, clock: FakeClock
) -> None:
    dead_letter(db, clock)
    before = database_state(db)
    missing = onwatch("outbox", "retry", "4242")
    assert missing.exit_code != 0 and "no outbox message 4242" in missing.output
    wrong = onwatch("outbox", "list", "--state", "lost")
    assert wrong.exit_code != 0 and "state" in wrong.output
    assert database_state(db) == before
