"""Removing an override from the schedule page: a responder confirms in the overrides table, the
removal is audited, and the rotation holds again; one from the config file is changed there."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.schedules import lookups
from onwatch.schedules.actions import add_override, put_schedule
from onwatch.schedules.specs import NewOverrideSpec, ScheduleSpec
from tests.adapters.web.test_schedules_pages import SPRINTS, platform, sign_in, text_of

__all__ = ["platform"]  # the fixture, used by name

COVER = NewOverrideSpec(
    covering="cy",
    covered="ann",
    start_at=datetime(2026, 3, 5, 14, tzinfo=UTC),
    end_at=datetime(2026, 3, 6, 14, tzinfo=UTC),
    reason="PTO",
)


def cover(db: Database, clock: FakeClock) -> int:
    """cy covers ann on Thursday, added at run time; its id."""
    with db.transaction() as session:
        return add_override(session, "platform", COVER, actor="user:bob", now=clock.now()).id


def overrides(db: Database, clock: FakeClock) -> list[tuple[str, str]]:
    with db.read() as session:
        return [
            (o.covering, o.origin) for o in lookups.overrides_of(session, "platform", clock.now())
        ]


def removals(db: Database) -> list[tuple[str, str, Any]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.entity_key, AuditEntry.before)
            .where(AuditEntry.action == "override.delete")
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def remove_form(page: str, override_id: int) -> dict[str, str]:
    """The fields of the confirming form behind "Remove…" for this override."""
    found = re.search(
        r'<details class="confirm">\s*<summary>Remove…</summary>\s*'
        rf'<form method="post" action="/schedules/platform/overrides/{override_id}/remove">'
        r"(.*?)</form>",
        page,
        re.S,
    )
    assert found, "no Remove… for this override"
    assert "Remove this override" in found.group(1)
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', found.group(1)))


def test_a_responder_removes_an_override_after_confirming_and_it_is_audited(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    override_id = cover(db, clock)
    headers = sign_in(client, db, clock, "responder", "ann")
    page = client.get("/schedules/platform").text
    form = remove_form(page, override_id)
    assert form == {"csrf_token": headers["x-csrf-token"], "confirm": str(override_id)}
    removed = client.post(
        f"/schedules/platform/overrides/{override_id}/remove", data=form, follow_redirects=False
    )
    assert (removed.status_code, removed.headers["location"]) == (
        303,
        "/schedules/platform#overrides",
    )
    assert overrides(db, clock) == []
    [(actor, key, before)] = removals(db)
    assert (actor, key) == ("user:responder-ann", f"platform/{override_id}")
    assert (before["covering"], before["covered"], before["reason"]) == ("cy", "ann", "PTO")
    after = text_of(client.get("/schedules/platform").text)
    assert "No overrides running or to come." in after


def test_removing_needs_the_confirmation_csrf_and_the_responder_role(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    override_id = cover(db, clock)
    url = f"/schedules/platform/overrides/{override_id}/remove"
    headers = sign_in(client, db, clock, "viewer", "ann")
    page = client.get("/schedules/platform").text
    assert "Remove…" not in page
    refused = client.post(url, data={"csrf_token": headers["x-csrf-token"], "confirm": "1"})
    assert refused.status_code == 403
    headers = sign_in(client, db, clock, "responder", "bob")
    assert client.post(url, data={"confirm": str(override_id)}).status_code == 403  # no CSRF
    for confirm in ("", str(override_id + 1)):
        unconfirmed = client.post(
            url, data={"csrf_token": headers["x-csrf-token"], "confirm": confirm}
        )
        assert unconfirmed.status_code == 422
        overrides_card = text_of(unconfirmed.text.split('id="overrides-title">', 1)[1])
        assert overrides_card.startswith(
            "Overrides running or to come the override was not removed"
        )
    assert overrides(db, clock) == [("cy", "runtime")]
    assert removals(db) == []


def test_an_override_from_the_config_file_is_changed_there(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    declared = {
        **SPRINTS,
        "overrides": [
            {
                "covering": "dee",
                "covered": "bob",
                "start_at": "2026-03-05T09:00:00-05:00",
                "end_at": "2026-03-06T09:00:00-05:00",
            }
        ],
    }
    with db.transaction() as session:
        put_schedule(session, ScheduleSpec.model_validate(declared), actor="test", now=clock.now())
        [row] = lookups.overrides_of(session, "platform", clock.now())
    headers = sign_in(client, db, clock, "responder", "ann")
    page = client.get("/schedules/platform").text
    assert "change it in the file" in page and "Remove…" not in page
    answer = client.post(
        f"/schedules/platform/overrides/{row.id}/remove",
        data={"csrf_token": headers["x-csrf-token"], "confirm": str(row.id)},
    )
    assert answer.status_code == 422
    assert "this override is declared in the config file" in answer.text
    assert overrides(db, clock) == [("dee", "config")]
    assert removals(db) == []
