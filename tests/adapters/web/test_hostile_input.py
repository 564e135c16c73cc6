"""What a fuzzing campaign sent the API and the pages, each once answered with a 5xx: ids past
the id columns, NUL characters, NaN, bodies too deep or with too long a number, durations past
their columns. Each is a 4xx naming the field, on both databases, and nothing is stored."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.auth.models import WebSession
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.web.security import LOGIN_CSRF_COOKIE
from tests.conftest import bearer

NUL_MESSAGE = "must not contain a NUL character (\\u0000)"
PERSON = {"handle": "ann", "name": "Ann Example", "email": "ann@example.org"}
JSON = {"content-type": "application/json"}
PAGE = {"accept": "text/html"}


@pytest.fixture
def admin(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["admin"])


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _id_routes(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path, id parameter) of every route with an id in its path, pages too."""
    found = []
    for route in iter_route_contexts(client.app.routes):
        for name in re.findall(r"\{(\w+_id)\}", route.path or ""):
            found += [(method, route.path, name) for method in sorted(route.methods or ())]
    return found


@pytest.mark.parametrize("too_big", [2**31, 2**63])
def test_an_id_past_the_id_columns_is_422_naming_it_on_every_route(
    client: TestClient, admin: dict[str, str], too_big: int
) -> None:
    routes = _id_routes(client)
    assert ("GET", "/api/v1/incidents/{incident_id}", "incident_id") in routes
    assert ("GET", "/incidents/{incident_id}", "incident_id") in routes
    for method, path, name in routes:
        url = path.replace("{name}", "core").replace(f"{{{name}}}", str(too_big))
        response = client.request(method, url, headers={**admin, **PAGE})
        assert response.status_code == 422, (method, url, response.text)
        if path.startswith("/api/"):
            # A route that also takes a body names it too (none was sent); the id comes first.
            assert _fields(response)[0] == f"path.{name}", url
            assert set(_fields(response)[1:]) <= {"body"}, url
        else:  # a page: an error page naming the field, not JSON
            assert response.headers["content-type"].startswith("text/html"), url
            assert name in response.text.lower(), url


def test_an_id_below_one_is_422_too(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get("/api/v1/alerts/0", headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["path.alert_id"]


@pytest.mark.parametrize("before", [2**31, 2**63])
def test_before_id_and_cursors_past_the_id_columns_are_422_naming_them(
    client: TestClient, admin: dict[str, str], before: int
) -> None:
    response = client.get("/api/v1/audit", params={"before_id": before}, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["query.before_id"]
    client.post("/api/v1/services", json={"name": "core"}, headers=admin)
    for url in ("/api/v1/alerts", "/api/v1/incidents", "/api/v1/services/core/changes"):
        for cursor in (str(before), "²"):  # "²".isdigit(), but int("²") fails
            response = client.get(url, params={"cursor": cursor}, headers=admin)
            assert response.status_code == 422, (url, cursor)
            assert _fields(response) == ["cursor"]


def test_nul_in_a_path_or_query_parameter_is_422_naming_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/api/v1/people/a%00b", headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "name", "message": NUL_MESSAGE}]
    response = client.get("/api/v1/alerts", params={"service": "a\x00"}, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["service"]
    page = client.get("/people/a%00b", headers={**admin, **PAGE})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")


def test_nul_in_a_json_field_or_key_is_422_naming_it_and_nothing_is_stored(
    client: TestClient, admin: dict[str, str], db: Database
) -> None:
    before = _count(db, AuditEntry)
    response = client.post("/api/v1/people", json={**PERSON, "name": "Ann\x00"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "name", "message": NUL_MESSAGE}]
    contact = [{"type": "email", "address": "ann\x00@example.org"}]
    response = client.post(
        "/api/v1/people", json={**PERSON, "contact_methods": contact}, headers=admin
    )
    assert _fields(response) == ["contact_methods[0].address"]
    service = {"name": "core", "tech_lead": None, "labels\x00": {}}
    response = client.post("/api/v1/services", json=service, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["labels\\u0000"]
    assert client.get("/api/v1/people", headers=admin).json() == []
    assert client.get("/api/v1/services", headers=admin).json() == []
    assert _count(db, AuditEntry) == before


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "holds NaN, which is not a JSON number"),
        ("Infinity", "holds Infinity, which is not a JSON number"),
        ("-Infinity", "holds -Infinity, which is not a JSON number"),
        ("1e400", "holds 1e400, beyond what a 64-bit float holds"),
    ],
)
def test_nan_infinity_and_1e400_in_an_api_body_are_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], number: str, message: str
) -> None:
    body = '{"handle": "ann", "name": "Ann", "email": "ann@example.org", "time_zone": %s}'
    response = client.post("/api/v1/people", content=body % number, headers={**admin, **JSON})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "time_zone", "message": message}]
    assert client.get("/api/v1/people", headers=admin).json() == []


def test_an_api_body_too_deep_or_with_too_long_an_integer_is_400_naming_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    deep = b'{"handle": "ann", "name": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = client.post("/api/v1/people", content=deep, headers={**admin, **JSON})
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["fields"][0] == {
        "field": "name[0]",
        "message": "is nested more than 64 levels deep",
    }
    long = b'{"handle": "ann", "name": ' + b"7" * 5000 + b"}"
    response = client.post("/api/v1/people", content=long, headers={**admin, **JSON})
    assert response.status_code == 400
    assert _fields(response) == ["name"]
    assert client.get("/api/v1/people", headers=admin).json() == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"interval": "100000d"}, "interval"),
        ({"interval": "99999999999d"}, "interval"),
        ({"interval": "5m", "grace": "30000d"}, "grace"),
    ],
)
def test_heartbeat_durations_past_their_columns_are_422_naming_them(
    client: TestClient, admin: dict[str, str], fields: dict[str, str], named: str
) -> None:
    client.post("/api/v1/services", json={"name": "core"}, headers=admin)
    beat = {"name": "nightly", "service": "core", **fields}
    response = client.post("/api/v1/heartbeats", json=beat, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == [named]
    assert client.get("/api/v1/heartbeats", headers=admin).json() == []
    client.post(
        "/api/v1/heartbeats",
        json={"name": "nightly", "service": "core", "interval": "1d"},
        headers=admin,
    )
    response = client.put("/api/v1/heartbeats/nightly", json=beat, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == [named]
    assert client.get("/api/v1/heartbeats/nightly", headers=admin).json()["interval"] == "1d"


def test_nul_in_the_login_form_is_a_4xx_page_and_starts_no_session(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        auth.create_user(
            session, username="ann", password="x" * 12, role="viewer", actor="test", now=clock.now()
        )
    client.cookies.set(LOGIN_CSRF_COOKIE, "t", path="/login")
    for form in ({"username": "ann\x00"}, {"username": "ann", "password": "x" * 12 + "\x00"}):
        response = client.post(
            "/login", data={"password": "x", "csrf_token": "t", **form}, follow_redirects=False
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        named = "username" if "\x00" in form["username"] else "password"
        assert named in response.text.lower()
    assert _count(db, WebSession) == 0


@pytest.mark.parametrize(
    "instant",
    ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"],
)
def test_instants_past_what_the_date_maths_holds_are_422_naming_them(
    client: TestClient, admin: dict[str, str], db: Database, instant: str
) -> None:
    client.post("/api/v1/services", json={"name": "core"}, headers=admin)
    client.post("/api/v1/calendars", json={"name": "office", "time_zone": "UTC"}, headers=admin)
    for url, param in (
        ("/api/v1/calendars/office/status", "at"),
        ("/api/v1/oncall", "at"),
    ):
        response = client.get(url, params={param: instant}, headers=admin)
        assert response.status_code == 422, url
        assert _fields(response) == [param]
    silence = {"matchers": ['app="x"'], "starts_at": instant, "duration": "1d", "reason": "r"}
    response = client.post("/api/v1/silences", json=silence, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["starts_at"]
    window = {"service": "core", "ends_at": instant, "message": "Upgrade"}
    response = client.post("/api/v1/maintenance", json=window, headers=admin)
    assert response.status_code == 422
    assert _fields(response) == ["ends_at"]
    client.post("/api/v1/people", json=PERSON, headers=admin)
    layer = {"members": ["ann"], "shift_length": "1w", "start_date": "2026-01-05"}
    schedule = {"name": "primary", "time_zone": "UTC", "layers": [layer]}
    assert client.post("/api/v1/schedules", json=schedule, headers=admin).status_code == 201
    page = client.get("/schedules/primary", params={"start": instant[:10]}, headers=admin)
    assert page.status_code == 422
    assert "start" in page.text.lower()


def test_a_duration_of_more_than_a_century_is_422_naming_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    client.post("/api/v1/services", json={"name": "core"}, headers=admin)
    silence = {"matchers": ['app="x"'], "duration": "99999999d", "reason": "r"}
    response = client.post("/api/v1/silences", json=silence, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "duration", "message": "Value error, must be at most 36500d"}
    ]
    window = {"service": "core", "duration": "36501d", "message": "Upgrade"}
    response = client.post("/api/v1/maintenance", json=window, headers=admin)
    assert _fields(response) == ["duration"]
    assert client.get("/api/v1/silences", headers=admin).json() == []
