"""Seed 002's business-hours calendar through the HTTP API: 07:00-20:00 New York on weekdays, US
holidays closed, acknowledgement in 15 minutes inside business hours and 60 outside."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.calendars.models import StoredCalendar
from onwatch.core.db import Database
from tests.conftest import bearer

CHECK_IN_HOURS: dict[str, Any] = {
    "name": "check-in-business-hours",
    "time_zone": "America/New_York",
    "hours": [{"days": "mon-fri", "opens": "07:00", "closes": "20:00"}],
    "holidays": "US",
    "ack_deadlines": {"inside_hours": "15m", "outside_hours": "60m"},
}


@pytest.fixture
def headers(client: TestClient, tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    found = {role: bearer(token) for role, token in tokens.items()}
    response = client.post("/api/v1/calendars", json=CHECK_IN_HOURS, headers=found["admin"])
    assert response.status_code == 201, response.text
    return found


def status(client: TestClient, headers: dict[str, dict[str, str]], at: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/calendars/check-in-business-hours/status",
        params={"at": at},
        headers=headers["viewer"],
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("at", "open", "deadline", "due_at", "next_change_at"),
    [
        # Tuesday 2026-03-03, one minute before closing: the short deadline, past closing time.
        ("2026-03-03T19:59:00-05:00", True, "15m", "2026-03-04T01:14:00Z", "2026-03-04T01:00:00Z"),
        # Tuesday at closing time: outside business hours.
        ("2026-03-03T20:00:00-05:00", False, "1h", "2026-03-04T02:00:00Z", "2026-03-04T12:00:00Z"),
        # A Saturday at noon: closed until Monday 07:00.
        ("2026-03-07T12:00:00-05:00", False, "1h", "2026-03-07T18:00:00Z", "2026-03-09T11:00:00Z"),
        # Thanksgiving 2026 at 10:00, a Thursday: a US holiday, closed until Friday 07:00.
        ("2026-11-26T10:00:00-05:00", False, "1h", "2026-11-26T16:00:00Z", "2026-11-27T12:00:00Z"),
        # The Friday after, at 10:00: an ordinary business day.
        ("2026-11-27T10:00:00-05:00", True, "15m", "2026-11-27T15:15:00Z", "2026-11-28T01:00:00Z"),
    ],
)
def test_seed_002_calendar_classifies_each_instant_with_its_deadline(
    client: TestClient,
    headers: dict[str, dict[str, str]],
    at: str,
    open: bool,
    deadline: str,
    due_at: str,
    next_change_at: str,
) -> None:
    found = status(client, headers, at)
    assert (found["open"], found["ack_deadline"], found["ack_due_at"]) == (open, deadline, due_at)
    assert found["ack_deadline_seconds"] == {"15m": 900, "1h": 3600}[deadline]
    assert found["next_change_at"] == next_change_at


def test_the_holiday_is_named(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    assert status(client, headers, "2026-11-26T10:00:00-05:00")["holiday"] == "Thanksgiving Day"
    assert status(client, headers, "2026-11-25T10:00:00-05:00")["holiday"] is None


def test_a_calendar_without_deadlines_reports_none(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    plain = {**CHECK_IN_HOURS, "name": "plain", "ack_deadlines": None}
    assert client.post("/api/v1/calendars", json=plain, headers=headers["admin"]).status_code == 201
    found = client.get(
        "/api/v1/calendars/plain/status",
        params={"at": "2026-03-03T12:00:00Z"},
        headers=headers["viewer"],
    ).json()
    assert (found["open"], found["ack_deadline"], found["ack_due_at"]) == (True, None, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"holidays": "XX"}, "holidays.country"),
        ({"holidays": {"country": "US", "subdivision": "ZZ"}}, "holidays.subdivision"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"hours": [{"days": "mon-fri", "opens": "7am"}]}, "hours[0].opens"),
        (
            {"ack_deadlines": {"inside_hours": "0m", "outside_hours": "1h"}},
            "ack_deadlines.inside_hours",
        ),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    headers: dict[str, dict[str, str]],
    db: Database,
    change: dict[str, Any],
    field: str,
) -> None:
    body = {**CHECK_IN_HOURS, "name": "second", **change}
    response = client.post("/api/v1/calendars", json=body, headers=headers["admin"])
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(StoredCalendar)) == 1


def test_changing_a_calendar_needs_admin(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    later = {**CHECK_IN_HOURS, "hours": [{"days": "mon-fri", "opens": "08:00", "closes": "20:00"}]}
    url = "/api/v1/calendars/check-in-business-hours"
    assert client.put(url, json=later, headers=headers["responder"]).status_code == 403
    assert client.put(url, json=later, headers=headers["admin"]).json()["fields"] == ["hours"]
    assert client.get(url, headers=headers["viewer"]).json()["hours"][0]["opens"] == "08:00"
    assert client.delete(url, headers=headers["admin"]).status_code == 204
    assert client.get(url, headers=headers["viewer"]).status_code == 404
