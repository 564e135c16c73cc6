"""The schedules API over HTTP on both backends: who is on call, shifts, gaps, hand-offs and
overrides; roles enforced; every bad input a 4xx naming its field with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_person
from onwatch.directory.specs import PersonSpec
from onwatch.schedules.models import ScheduleOverride, StoredSchedule
from tests.conftest import bearer

SPRINTS: dict[str, Any] = {
    "name": "platform",
    "time_zone": "America/New_York",
    "layers": [
        {
            "members": ["ann", "bob", "cy", "dee"],
            "shift_length": "2w",
            "handoff_time": "09:00",
            "start_date": "2026-01-07",
            "roles": ["primary", "secondary"],
        }
    ],
}
NOW = "2026-03-02T14:00:00Z"  # the test clock: sprint of 2026-02-18, dee primary, ann secondary


@pytest.fixture
def api(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> dict[str, dict[str, str]]:
    """People ann, bob, cy and dee, the sprint schedule, and headers for each role."""
    with db.transaction() as session:
        for handle in ("ann", "bob", "cy", "dee"):
            spec = PersonSpec(handle=handle, name=handle.title(), email=f"{handle}@example.org")
            put_person(session, spec, actor="test", now=clock.now())
    headers = {role: bearer(token) for role, token in tokens.items()}
    response = client.post("/api/v1/schedules", json=SPRINTS, headers=headers["admin"])
    assert response.status_code == 201, response.text
    return headers


def fields(response: Any) -> dict[str, str]:
    """{field: message}, without the "" that request validation puts in front."""
    found = response.json()["error"]["fields"]
    return {f["field"]: f["message"].removeprefix("Value error, ") for f in found}


def counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(StoredSchedule)) or 0,
            session.scalar(select(func.count()).select_from(ScheduleOverride)) or 0,
        )


def test_who_holds_a_role_at_an_instant(client: TestClient, api: dict[str, dict[str, str]]) -> None:
    response = client.get(
        "/api/v1/schedules/platform/oncall",
        params={"role": "primary", "at": "2026-03-04T09:00:00-05:00"},
        headers=api["viewer"],
    )
    assert response.status_code == 200, response.text
    [entry] = response.json()
    assert (entry["role"], entry["holder"], entry["until"]) == (
        "primary",
        "ann",
        "2026-03-18T13:00:00Z",
    )
    now = client.get("/api/v1/schedules/platform/oncall", headers=api["viewer"]).json()
    assert [(e["role"], e["holder"]) for e in now] == [("primary", "dee"), ("secondary", "ann")]


def test_everyone_on_call_now(client: TestClient, api: dict[str, dict[str, str]]) -> None:
    response = client.get("/api/v1/oncall", headers=api["viewer"])
    assert [(e["schedule"], e["role"], e["holder"]) for e in response.json()] == [
        ("platform", "primary", "dee"),
        ("platform", "secondary", "ann"),
    ]


def test_shifts_tile_the_range_and_the_range_is_capped(
    client: TestClient, api: dict[str, dict[str, str]]
) -> None:
    response = client.get(
        "/api/v1/schedules/platform/shifts",
        params={"from": "2026-03-01", "to": "2026-03-31", "role": "primary"},
        headers=api["viewer"],
    )
    body = response.json()
    assert body["start_at"] == "2026-03-01T05:00:00Z"  # midnight in the schedule's zone
    assert [(s["holder"], s["start_at"], s["end_at"]) for s in body["shifts"]] == [
        ("dee", "2026-03-01T05:00:00Z", "2026-03-04T14:00:00Z"),
        ("ann", "2026-03-04T14:00:00Z", "2026-03-18T13:00:00Z"),
        ("bob", "2026-03-18T13:00:00Z", "2026-03-31T04:00:00Z"),
    ]
    too_long = client.get(
        "/api/v1/schedules/platform/shifts",
        params={"from": "2026-01-01", "to": "2027-06-01"},
        headers=api["viewer"],
    )
    assert too_long.status_code == 422
    assert fields(too_long) == {"to": "the range may span at most 366 days"}
    naive = client.get(
        "/api/v1/schedules/platform/shifts",
        params={"from": "2026-03-01T09:00"},
        headers=api["viewer"],
    )
    assert naive.status_code == 422 and list(fields(naive)) == ["from"]


def test_next_handoff_and_gaps(client: TestClient, api: dict[str, dict[str, str]]) -> None:
    handoff = client.get(
        "/api/v1/schedules/platform/handoffs/next", params={"role": "secondary"},
        headers=api["viewer"],
    ).json()  # fmt: skip
    assert handoff == {
        "schedule": "platform",
        "role": "secondary",
        "at": "2026-03-04T14:00:00Z",
        "outgoing": "ann",
        "incoming": "bob",
    }
    gaps = client.get(
        "/api/v1/schedules/platform/gaps", params={"from": "2026-01-01", "to": "2026-01-10"},
        headers=api["viewer"],
    ).json()  # fmt: skip
    # Before the first sprint (2026-01-07 09:00) nobody is on call.
    assert {(g["role"], g["start_at"], g["end_at"]) for g in gaps["shifts"]} == {
        ("primary", "2026-01-01T05:00:00Z", "2026-01-07T14:00:00Z"),
        ("secondary", "2026-01-01T05:00:00Z", "2026-01-07T14:00:00Z"),
    }


def test_an_override_added_through_the_api_wins_and_is_audited(
    client: TestClient, api: dict[str, dict[str, str]], db: Database, clock: FakeClock
) -> None:
    cover = {
        "covering": "bob",
        "covered": "dee",
        "start_at": "2026-03-02T09:00:00-05:00",
        "end_at": "2026-03-03T09:00:00-05:00",
        "reason": "PTO",
    }
    assert (
        client.post(
            "/api/v1/schedules/platform/overrides", json=cover, headers=api["viewer"]
        ).status_code
        == 403
    )
    response = client.post(
        "/api/v1/schedules/platform/overrides", json=cover, headers=api["responder"]
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["origin"], created["author"]) == ("runtime", "token:test-responder")
    [primary] = client.get(
        "/api/v1/schedules/platform/oncall", params={"role": "primary"}, headers=api["viewer"]
    ).json()
    assert primary["holder"] == "bob"
    assert primary["override"] == {"id": str(created["id"]), "covered": "dee", "reason": "PTO"}
    assert primary["until"] == "2026-03-03T14:00:00Z"
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "override")
        )
        assert list(actions) == ["override.create"]

    removed = client.delete(
        f"/api/v1/schedules/platform/overrides/{created['id']}", headers=api["responder"]
    )
    assert removed.status_code == 204
    [primary] = client.get(
        "/api/v1/schedules/platform/oncall", params={"role": "primary"}, headers=api["viewer"]
    ).json()
    assert primary["holder"] == "dee"


def test_changing_a_schedule_needs_admin(
    client: TestClient, api: dict[str, dict[str, str]]
) -> None:
    changed = {**SPRINTS, "time_zone": "America/Chicago"}
    put = client.put("/api/v1/schedules/platform", json=changed, headers=api["responder"])
    assert put.status_code == 403
    put = client.put("/api/v1/schedules/platform", json=changed, headers=api["admin"])
    assert put.json() == {"changed": True, "action": "update", "fields": ["time_zone"]}
    again = client.put("/api/v1/schedules/platform", json=changed, headers=api["admin"])
    assert again.json() == {"changed": False}
    taken = client.post("/api/v1/schedules", json=SPRINTS, headers=api["admin"])
    assert taken.status_code == 409


BAD_SCHEDULES = [
    pytest.param(
        {"layers": [{**SPRINTS["layers"][0], "members": []}]},
        {"layers[0].members": "a rotation needs at least one member"},
        id="rotation-with-no-members",
    ),
    pytest.param(
        {"time_zone": "America/Gotham"},
        {"time_zone": "unknown time zone 'America/Gotham'"},
        id="unknown-time-zone",
    ),
    pytest.param(
        {"layers": [{**SPRINTS["layers"][0], "members": ["ann", "zed"]}]},
        {"layers[0].members[1]": "no person 'zed'"},
        id="unknown-person",
    ),
    pytest.param(
        {"coverage": "office-hours"},
        {"coverage": "no calendar named 'office-hours'"},
        id="unknown-calendar",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BAD_SCHEDULES)
def test_a_bad_schedule_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    api: dict[str, dict[str, str]],
    db: Database,
    change: dict[str, Any],
    expected: dict[str, str],
) -> None:
    body = {**SPRINTS, "name": "second", **change}
    response = client.post("/api/v1/schedules", json=body, headers=api["admin"])
    assert response.status_code == 422, response.text
    assert fields(response) == expected
    assert counts(db) == (1, 0)


BAD_OVERRIDES = [
    pytest.param(
        {"end_at": "2026-03-02T08:00:00-05:00"},
        {"end_at": "the override must end after it starts"},
        id="ends-before-it-starts",
    ),
    pytest.param({"covering": "zed"}, {"covering": "no person 'zed'"}, id="unknown-person"),
    pytest.param(
        {"covered": None, "role": "tertiary"},
        {"role": "the schedule has no role 'tertiary' (it has primary, secondary)"},
        id="unknown-role",
    ),
    pytest.param(
        {"covered": None},
        {"role": "name the person covered, the role, or both"},
        id="covers-nobody",
    ),
    pytest.param(
        {"start_at": "2026-02-01T09:00:00-05:00", "end_at": "2026-02-02T09:00:00-05:00"},
        {"end_at": "is already past; an override changes what is to come"},
        id="already-over",
    ),
    pytest.param(
        {"start_at": "2026-03-02T09:00:00"},
        {"start_at": "Input should have timezone info"},
        id="no-offset",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BAD_OVERRIDES)
def test_a_bad_override_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    api: dict[str, dict[str, str]],
    db: Database,
    change: dict[str, Any],
    expected: dict[str, str],
) -> None:
    body = {
        "covering": "bob",
        "covered": "dee",
        "start_at": "2026-03-02T09:00:00-05:00",
        "end_at": "2026-03-03T09:00:00-05:00",
        **change,
    }
    response = client.post(
        "/api/v1/schedules/platform/overrides", json=body, headers=api["responder"]
    )
    assert response.status_code == 422, response.text
    assert fields(response) == expected
    assert counts(db) == (1, 0)


def test_unknown_schedules_and_roles_are_named(
    client: TestClient, api: dict[str, dict[str, str]]
) -> None:
    missing = client.get("/api/v1/schedules/nope/oncall", headers=api["viewer"])
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no schedule 'nope'"
    role = client.get(
        "/api/v1/schedules/platform/oncall", params={"role": "tertiary"}, headers=api["viewer"]
    )
    assert role.status_code == 422 and list(fields(role)) == ["role"]
    at = client.get(
        "/api/v1/schedules/platform/oncall", params={"at": "tomorrow"}, headers=api["viewer"]
    )
    assert at.status_code == 422 and list(fields(at)) == ["at"]
