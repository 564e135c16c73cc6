"""Error intake refuses what it cannot take with a clear 4xx and stores nothing of it; what it
takes but does not process is counted, never silently dropped."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.errors.actions import SKIPPED_NAMES
from onwatch.errors.models import ErrorKey
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.errors.conftest import Project, add_project, ingestion, issues, stored
from tests.adapters.errors.envelopes import auth, envelope, event_envelope, exception_event
from tests.conftest import bearer

NOTHING = (0, 0, 0)


@pytest.fixture
def small(ctx: AppContext) -> Iterator[TestClient]:
    """onwatch with small limits: 4 KiB bodies, 64 KiB once decompressed."""
    settings = ctx.settings.model_copy(
        update={"errors_max_body_bytes": 4096, "errors_max_decompressed_bytes": 64 * 1024}
    )
    with TestClient(create_app(AppContext(db=ctx.db, settings=settings, clock=ctx.clock))) as c:
        yield c


def _post(client: TestClient, project: Project, body: bytes, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/{project.project_id}/envelope/",
        content=body,
        headers={**auth(project.public_key), **headers},
    )


def test_an_event_is_stored_and_answered_with_its_id(
    db: Database, project: Project, client: TestClient
) -> None:
    event = exception_event()
    answer = _post(client, project, event_envelope(event))
    assert answer.status_code == 200
    assert answer.json() == {"id": event["event_id"]}
    assert answer.headers["access-control-allow-origin"] == "*"
    assert stored(db) == (1, 1, 1)


def test_a_wrong_key_is_401_and_stores_nothing(
    db: Database, project: Project, client: TestClient
) -> None:
    answer = client.post(
        f"/api/{project.project_id}/envelope/",
        content=event_envelope(exception_event()),
        headers=auth("0" * 32),
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "unknown DSN public key"
    assert stored(db) == NOTHING and ingestion(db) == {}


def test_a_dsn_of_another_project_is_403_and_stores_nothing(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    other = add_project(db, clock, "billing")
    answer = client.post(
        f"/api/{other.project_id}/envelope/",
        content=event_envelope(exception_event()),
        headers=auth(project.public_key),
    )
    assert answer.status_code == 403
    assert "another project" in answer.json()["error"]["message"]
    assert stored(db) == NOTHING and ingestion(db) == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json\n", "envelope header"),
        (b'{}\n{"length": 2}\n{}\n', "items[0].type"),
        (b'{}\n{"type": "event", "length": 9999}\n{}\n', "items[0] (event).length"),
        (b'{}\n{"type": "event", "length": 1}\n{}\n', "items[0] (event).length"),
        (b'{}\n{"type": "event", "length": 2}\n[]\n', "items[0] (event)"),
    ],
    ids=["header-not-json", "no-type", "length-past-the-end", "length-not-at-newline", "array"],
)
def test_a_malformed_envelope_is_400_naming_the_item_and_stores_nothing(
    db: Database, project: Project, client: TestClient, body: bytes, field: str
) -> None:
    answer = _post(client, project, body)
    assert answer.status_code == 400
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
    assert stored(db) == NOTHING and ingestion(db) == {}


def test_a_length_that_lies_about_the_first_item_stores_none_of_the_envelope(
    db: Database, project: Project, client: TestClient
) -> None:
    good = orjson.dumps(exception_event())
    body = b"{}\n" + b'{"type":"event","length":5}\n' + good + b"\n"
    answer = _post(client, project, body)
    assert answer.status_code == 400
    assert stored(db) == NOTHING


def test_a_body_over_the_limit_is_413_and_stores_nothing(
    db: Database, project: Project, small: TestClient
) -> None:
    event = exception_event(extra={"blob": "x" * 5000})
    answer = _post(small, project, event_envelope(event))
    assert answer.status_code == 413
    # Decided from Content-Length alone, before the body is read; still readable by a browser.
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "x-sentry-rate-limits" in answer.headers["access-control-expose-headers"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert stored(db) == NOTHING


def test_a_gzip_bomb_is_413_and_stores_nothing(
    db: Database, project: Project, small: TestClient
) -> None:
    # 3 MiB of zeros gzip to about 3 KB: under the 4 KiB body limit, 48 times the 64 KiB one.
    bomb = gzip.compress(b"\0" * (3 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 4096
    answer = _post(small, project, bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert "decompresses to more than 65536 bytes" in answer.json()["error"]["message"]
    assert stored(db) == NOTHING and ingestion(db) == {}


def test_gzip_and_deflate_bodies_are_decompressed(
    db: Database, project: Project, client: TestClient
) -> None:
    first, second = exception_event(), exception_event()
    assert (
        _post(client, project, gzip.compress(event_envelope(first)), **{"Content-Encoding": "gzip"})
    ).json() == {"id": first["event_id"]}
    deflated = zlib.compress(event_envelope(second))
    assert (_post(client, project, deflated, **{"Content-Encoding": "deflate"})).status_code == 200
    [issue] = issues(db)
    assert issue.event_count == 2


def test_an_unknown_item_type_is_skipped_and_counted_and_the_rest_stored(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    event = exception_event()
    body = envelope(
        ({"type": "profile_chunk"}, b'{"whatever": 1}'),
        ({"type": "event"}, orjson.dumps(event)),
        ({"type": "client_report"}, b'{"discarded_events": [{"quantity": 3}]}'),
        event_id=event["event_id"],
    )
    answer = _post(client, project, body)
    assert answer.status_code == 200
    assert stored(db) == (1, 1, 1)
    assert ingestion(db) == {"profile_chunk": 1, "event": 1, "client_report": 1}
    views = client.get(
        "/api/v1/errors/ingestion",
        params={"service": project.service},
        headers=bearer(tokens["viewer"]),
    ).json()
    assert {v["item_type"]: v["handling"] for v in views} == {
        "client_report": "counted",
        "event": "processed",
        "profile_chunk": "skipped",
    }
    assert next(v for v in views if v["item_type"] == "client_report")["dropped_events"] == 3


def test_unknown_type_names_are_bounded_per_service(
    db: Database, project: Project, client: TestClient
) -> None:
    for batch in range(3):
        names = [f"kind-{batch}-{n}" for n in range(9)]
        body = envelope(*[({"type": name}, b"{}") for name in names])
        assert _post(client, project, body).status_code == 200
    counts = ingestion(db)
    assert len(counts) == SKIPPED_NAMES + 1
    assert counts["other"] == 27 - SKIPPED_NAMES
    assert counts["kind-0-0"] == 1
    # A name counted before keeps its own row once the bound is reached.
    assert _post(client, project, envelope(({"type": "kind-0-0"}, b"{}"))).status_code == 200
    assert ingestion(db)["kind-0-0"] == 2


def test_a_retried_event_id_is_stored_once(
    db: Database, project: Project, client: TestClient
) -> None:
    body = event_envelope(exception_event())
    assert _post(client, project, body).status_code == 200
    assert _post(client, project, body).status_code == 200
    [issue] = issues(db)
    assert issue.event_count == 1
    assert stored(db) == (1, 1, 1)


def test_the_key_in_the_query_and_the_store_endpoint_work(
    db: Database, project: Project, client: TestClient
) -> None:
    event = exception_event()
    answer = client.post(
        f"/api/{project.project_id}/store/?sentry_key={project.public_key}",
        content=orjson.dumps(event),
    )
    assert answer.json() == {"id": event["event_id"]}
    assert stored(db) == (1, 1, 1)


def test_browser_sdks_get_a_cors_preflight(project: Project, client: TestClient) -> None:
    answer = client.options(
        f"/api/{project.project_id}/envelope/",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "x-sentry-auth" in answer.headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in client.get("/healthz").headers


def test_a_key_over_its_rate_is_429_with_sentry_headers(
    db: Database, project: Project, client: TestClient
) -> None:
    with db.transaction() as session:
        session.execute(update(ErrorKey).values(rate_limit=1))
    assert _post(client, project, event_envelope(exception_event())).status_code == 200
    answer = _post(client, project, event_envelope(exception_event()))
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "60"
    assert answer.headers["x-sentry-rate-limits"] == "60::key"
    assert stored(db) == (1, 1, 1)


def test_a_nul_character_in_an_event_is_stored_as_a_replacement_character(
    db: Database, project: Project, client: TestClient
) -> None:
    event = exception_event()
    event["exception"]["values"][0]["value"] = "bad byte \x00 in name"
    assert _post(client, project, event_envelope(event)).status_code == 200
    [issue] = issues(db)
    assert issue.title == "ValueError: bad byte \ufffd in name"
