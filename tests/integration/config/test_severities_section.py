"""`severities:` names the four severities: applied, shown by severity_names, changed in place,
pruned back to the default name, and a bad code is refused naming its place."""

from __future__ import annotations

import pytest

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.incidents.queries import severity_names


def _apply(db: Database, clock: FakeClock, text: str, prune: bool = False) -> list[str]:
    doc = document.load("version: 1\n" + text, "severities")
    assert doc.errors == []
    with db.transaction() as session:
        plan = apply(session, doc, prune=prune, actor="test", now=clock.now())
    return [f"{c.action} {c.kind} {c.key}" for c in plan.changes]


def test_configured_names_replace_the_defaults_and_pruning_brings_them_back(
    db: Database, clock: FakeClock
) -> None:
    text = "severities:\n  - {code: sev1, name: Outage, description: Everyone down}\n"
    assert _apply(db, clock, text) == ["create severity sev1"]
    assert _apply(db, clock, text) == []
    with db.read() as session:
        names = severity_names(session)
    assert names == {"sev1": "Outage", "sev2": "Major", "sev3": "Minor", "sev4": "Low"}
    assert _apply(db, clock, "severities:\n  - {code: sev1, name: SEV-1}\n") == [
        "update severity sev1"
    ]
    assert _apply(db, clock, "severities: []\n", prune=True) == ["delete severity sev1"]
    with db.read() as session:
        assert severity_names(session)["sev1"] == "Critical"


def test_an_unknown_severity_code_is_refused(db: Database, clock: FakeClock) -> None:
    doc = document.load("version: 1\nseverities:\n  - {code: sev5, name: Meh}\n", "bad")
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        apply(session, doc, prune=False, actor="test", now=clock.now())
    assert "severities[0].code" in str(refused.value)
