"""`onwatch people test-notify HANDLE [--method N]`: one outbox row of kind 'test' per contact
method onwatch can send to (and the e-mail address), audited; an unknown person or method is a
sentence and an exit code, with nothing written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.db import Database
from onwatch.notifications.models import Notification
from tests.adapters.cli.conftest import Onwatch, database_state
from tests.adapters.cli.test_apply_command import write

PEOPLE = """\
version: 1
people:
  - handle: ann
    name: Ann Archer
    email: ann@example.org
    contact_methods:
      - {type: ntfy, address: "https://ntfy.example.org/ann-pager-9f2c", label: phone push}
      - {type: phone, address: "+15555550100", label: desk}
      - {type: webhook, address: "https://hooks.example.org/ann", secret: "env:ANN_HOOK"}
"""


def _rows(db: Database) -> list[tuple[str, str, str, str]]:
    with db.read() as session:
        return [
            (r.kind, r.state, r.destination["kind"], r.label)
            for r in session.scalars(select(Notification).order_by(Notification.id))
        ]


def test_test_notify_writes_a_test_row_per_reachable_method_and_audits_it(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    assert onwatch("apply", "-f", write(tmp_path, PEOPLE)).exit_code == 0
    result = onwatch("people", "test-notify", "ann")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "test notification to ann by email: queued",
        "test notification to ann by ntfy (phone push): queued",
        "test notification to ann by webhook: queued",
        "the engine sends them (`onwatch engine`, or `onwatch serve`)",
    ]
    assert result.stderr.startswith("skipped phone (desk): a phone number is paged through")
    assert _rows(db) == [
        ("test", "pending", "email", "Ann Archer by email (test)"),
        ("test", "pending", "ntfy", "Ann Archer by ntfy (phone push) (test)"),
        ("test", "pending", "webhook", "Ann Archer by webhook (test)"),
    ]
    with db.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.test_notification")
        ).one()
    assert (entry.entity_key, entry.actor.startswith("cli:")) == ("ann", True)


def test_test_notify_one_method_by_number(onwatch: Onwatch, db: Database, tmp_path: Path) -> None:
    assert onwatch("apply", "-f", write(tmp_path, PEOPLE)).exit_code == 0
    result = onwatch("people", "test-notify", "ann", "--method", "3")
    assert result.exit_code == 0, result.output
    assert _rows(db) == [("test", "pending", "webhook", "Ann Archer by webhook (test)")]


def test_an_unknown_person_or_method_is_refused_with_nothing_written(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    assert onwatch("apply", "-f", write(tmp_path, PEOPLE)).exit_code == 0
    before = database_state(db)
    unknown = onwatch("people", "test-notify", "zed")
    assert (unknown.exit_code, unknown.stderr) == (4, "error: no person 'zed'\n")
    phone = onwatch("people", "test-notify", "ann", "--method", "desk")
    assert phone.exit_code == 3
    assert phone.stderr.startswith("error: method: contact method 2 cannot be paged: a phone")
    missing = onwatch("people", "test-notify", "ann", "--method", "7")
    assert missing.stderr == (
        "error: method: no contact method 7: the person has 3 (numbers start at 1)\n"
    )
    assert database_state(db) == before
