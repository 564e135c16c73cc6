"""`onwatch incidents note` and `onwatch incidents reopen` from the shell: on the timeline as
`cli:<user>`, audited; a refused reopen exits 5 with the reason."""

from __future__ import annotations

import json

from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.cli.test_alerts_incidents_cli import stored  # noqa: F401  (a fixture)
from tests.timeline import unruled


def test_note_and_reopen_from_the_shell(onwatch: Onwatch, stored: None, db: Database) -> None:  # noqa: F811
    listed = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    open_id, resolved_id = listed[0]["id"], listed[1]["id"]

    noted = onwatch("incidents", "note", str(open_id), "rolled back the deploy")
    assert noted.exit_code == 0 and noted.stdout.startswith(f"noted on incident {open_id}")
    empty = onwatch("incidents", "note", str(open_id), "  ")
    assert (empty.exit_code, empty.stderr.strip()) == (
        3,
        "error: text: write something: a note cannot be empty",
    )

    refused = onwatch("incidents", "reopen", str(resolved_id))  # `open_id` holds the group
    assert refused.exit_code == 5
    assert f"incident {open_id} is open for the same service and group" in refused.stderr
    assert onwatch("incidents", "resolve", str(open_id)).exit_code == 0
    reopened = json.loads(onwatch("incidents", "reopen", str(resolved_id), "--json").stdout)
    assert reopened["incident"]["status"] == "triggered"

    shown = json.loads(onwatch("incidents", "show", str(open_id), "--json").stdout)
    [note] = [e for e in shown["timeline"] if e["kind"] == "note"]
    assert note["text"] == "rolled back the deploy" and note["actor"].startswith("cli:")
    assert note["actor_name"].endswith(" (command line)")
    with db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert unruled(actions)[-3:] == ["incident.note", "incident.resolve", "incident.reopen"]
