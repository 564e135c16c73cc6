"""The config section `stakeholders:` applied to a real database: lists follow the file, while
addresses added at run time stay and an unsubscribed address stays unsubscribed; a template
that does not compile, or an unknown team or service, is refused naming its field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onwatch.config import document
from onwatch.config.apply import apply
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.errors import Invalid
from onwatch.stakeholders import lists
from onwatch.stakeholders.models import Subscriber
from tests.integration.stakeholders.org import ORG, load_org


def entries(db: Database) -> set[tuple[str, str, bool]]:
    with db.read() as session:
        rows = session.scalars(select(Subscriber)).all()
        return {(r.address, r.source, r.unsubscribed_at is None) for r in rows}


def apply_text(db: Database, clock: FakeClock, text: str, prune: bool = False) -> None:
    doc = document.load(text, "org")
    assert doc.errors == []
    with db.transaction() as session:
        apply(session, doc, prune=prune, actor="test", now=clock.now())


def test_the_lists_follow_the_file_and_keep_run_time_and_unsubscribed_entries(
    db: Database, clock: FakeClock
) -> None:
    load_org(db, clock)
    with db.transaction() as session:
        lists.subscribe(session, address="extra@example.org", team="shop", actor="ann",
                        now=clock.now())  # fmt: skip
        lists.unsubscribe(session, "support@example.org", now=clock.now())
    changed = ORG.replace(
        "subscribers: [leads@example.org, Support@example.org]",
        "subscribers: [support@example.org, new@example.org]",
    ).replace("cart: [cart-owners@example.org, leads@example.org]", "cart: []")
    apply_text(db, clock, changed)
    assert entries(db) == {
        ("support@example.org", "config", False),  # still unsubscribed
        ("new@example.org", "config", True),
        ("extra@example.org", "api", True),
    }
    apply_text(db, clock, changed)  # again: no change
    assert len(entries(db)) == 3


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ('{team: shop, templates: {subject: "{{ application "}}', "templates.subject"),
        ('{team: shop, templates: {html: "{{ nothing_known }}"}}', "templates.html"),
        ("{team: nobody}", "team"),
        ("{team: shop, services: {ghost: [a@example.org]}}", "services.ghost"),
    ],
)
def test_a_bad_item_is_refused_naming_its_field_and_nothing_is_stored(
    db: Database, clock: FakeClock, item: str, field: str
) -> None:
    load_org(db, clock, ORG.split("stakeholders:")[0])
    text = ORG.split("stakeholders:")[0] + f"stakeholders:\n  - {item}\n"
    doc = document.load(text, "org")
    problems = [str(e) for e in doc.errors]
    if not problems:
        with pytest.raises(Invalid) as raised, db.transaction() as session:
            apply(session, doc, prune=False, actor="test", now=clock.now())
        problems = [str(e) for e in raised.value.errors]
    assert any(field in p for p in problems), problems
    assert entries(db) == set()
