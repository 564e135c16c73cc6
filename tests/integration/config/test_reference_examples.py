"""The examples printed in the config reference are real: together they apply cleanly."""

from __future__ import annotations

from onwatch.config import document
from onwatch.config.apply import apply, export
from onwatch.config.sections import sections
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database


def test_reference_examples_apply_cleanly_and_export_back_the_same(
    db: Database, clock: FakeClock
) -> None:
    text = "version: 1\n" + "".join(s.example for s in sections())
    doc = document.load(text, "reference")
    assert doc.errors == []
    with db.transaction() as session:
        plan = apply(session, doc, prune=False, actor="test", now=clock.now())
    assert {c.action for c in plan.changes} == {"create"}
    directory = [c for c in plan.changes if c.kind in ("person", "team", "service")]
    assert [f"{c.action} {c.kind} {c.key}" for c in directory] == [
        "create person ann",
        "create person raj",
        "create team payments",
        "create service card-gateway",
        "create service checkout",
    ]
    with db.read() as session:
        exported = export(session)
    again = document.load(exported, "export")
    with db.transaction() as session:
        assert apply(session, again, prune=True, actor="test", now=clock.now()).changes == []
