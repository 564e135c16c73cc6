"""The post-mortem document in the database: the draft written from the stored incident (impact,
commander, timeline with sources, action items), regenerating over edits only when confirmed,
bad Markdown refused naming `markdown` with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Conflict, Invalid
from onwatch.postmortems import actions, items
from onwatch.postmortems.models import PostMortem
from tests.integration.postmortems.story import seed


def test_the_draft_is_written_from_the_stored_incident(db: Database, clock: FakeClock) -> None:
    story = seed(db, clock)
    with db.transaction() as session:
        items.add(
            session, story.incident_id,
            items.ItemSpec(title="Renew certificates automatically", owner="lee"),
            actor="user:ann", source="ui", now=clock.now(),
        )  # fmt: skip
    with db.read() as session:
        text = actions.show(session, story.incident_id).markdown
    assert "Commander: Ann Archer." in text
    assert "- **Users impacted:** 40% of users" in text
    assert "- **Applications impacted:** checkout, kiosk" in text
    assert "- **Time to acknowledge:** 7 min" in text
    assert "- **Time to resolve:** 1 h 30 min" in text
    assert "| 2026-03-02 14:00:00 UTC | system | onwatch | Opened: card payments failing |" in text
    # user:ann is a login not linked to a person here: shown by its name.
    assert "| ui | ann | Action item added: Renew certificates automatically |" in text
    assert "- [ ] Renew certificates automatically (prevent; Lee Lund; no due date)" in text


def test_regenerating_replaces_edits_only_when_confirmed(db: Database, clock: FakeClock) -> None:
    story = seed(db, clock)
    with db.transaction() as session:
        actions.save(session, story.incident_id, "# Ours", actor="user:ann", source="ui",
                     now=clock.now())  # fmt: skip
    with pytest.raises(Conflict), db.transaction() as session:
        actions.regenerate(session, story.incident_id, confirm=False, actor="user:ann",
                           source="ui", now=clock.now())  # fmt: skip
    with db.read() as session:
        assert actions.show(session, story.incident_id).markdown == "# Ours"
    with db.transaction() as session:
        doc = actions.regenerate(session, story.incident_id, confirm=True, actor="user:ann",
                                 source="ui", now=clock.now())  # fmt: skip
    assert doc.markdown.startswith("# Post-mortem: card payments failing") and not doc.edited


@pytest.mark.parametrize("markdown", ["", "   \n", "nul \x00", "half \ud800", "x" * 200_001])
def test_bad_markdown_is_refused_naming_it_with_nothing_stored(
    db: Database, clock: FakeClock, markdown: str
) -> None:
    story = seed(db, clock)
    with pytest.raises(Invalid) as refused, db.transaction() as session:
        actions.save(session, story.incident_id, markdown, actor="user:ann", source="ui",
                     now=clock.now())  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["markdown"]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PostMortem)) == 0
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action.like("postmortem.%"))
            )
            == 0
        )
