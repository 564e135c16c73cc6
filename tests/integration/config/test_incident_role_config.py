"""`incident_roles`, `security_contacts` and `urgent_contacts` through `apply`: stored, exported
and applied again with no change, audited; a target, service or team that names nothing, or a
reminder of no time, is refused naming its place, with nothing written."""

from __future__ import annotations

import re

import pytest

from onwatch.config.apply import apply, export
from onwatch.config.document import load
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.incidents import roles
from tests.adapters.web.roles_setup import ORG, organise


def test_roles_and_contacts_are_stored_exported_and_applied_again_with_no_change(
    db: Database, clock: FakeClock
) -> None:
    organise(db, clock)
    with db.read() as session:
        known = roles.definitions(session)
        text = export(session)
    assert list(known) == ["commander", "communications", "scribe"]
    assert known["commander"].display_name == "Incident commander"  # built-in, kept
    assert known["communications"].team_role == "product_manager"
    assert "urgent_contacts:" in text and "security_contacts:" in text
    with db.transaction() as session:
        plan = apply(session, load(text), prune=True, actor="test", now=clock.now())
    assert plan.changes == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "urgent_contacts:\n  - {name: x, targets: [{team: core, role: devops}]}\n",
            "urgent_contacts.targets[0].role: team core has no role 'devops'",
        ),
        (
            "urgent_contacts:\n  - {name: x, services: [nope], targets: [{person: ann}]}\n",
            "urgent_contacts.services[0]: no service 'nope'",
        ),
        (
            "security_contacts:\n  - {name: x, targets: [{channel: nowhere}]}\n",
            "security_contacts.targets[0].channel: no channel 'nowhere'",
        ),
        (
            "incident_roles:\n  - {name: liaison, remind_after: 0m}\n",
            "incident_roles.remind_after: must be longer than zero",
        ),
    ],
)
def test_a_reference_to_nothing_is_refused_naming_its_place(
    db: Database, clock: FakeClock, extra: str, message: str
) -> None:
    section = extra.split(":", 1)[0]
    base = ORG.split(f"{section}:\n", 1)
    text = base[0] + f"{section}:\n" + base[1].split("\n", 1)[0] + "\n" + extra.split("\n", 1)[1]
    text += base[1].split("\n", 1)[1] if section != "urgent_contacts" else ""
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        apply(session, load(text), prune=False, actor="test", now=clock.now())
    # The item's index depends on where the file puts it; the field within it is what counts.
    said = [re.sub(r"^(\w+)\[\d+\]", r"\1", str(e)) for e in refused.value.errors]
    assert any(s.startswith(message) for s in said), said
