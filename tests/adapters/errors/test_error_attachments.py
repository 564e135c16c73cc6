"""Attachments sent with events: stored once per event and file name, under a cap per file and
per envelope (over it: dropped and counted, the event still stored), listed on the issue's
samples, downloaded only as attachments, pruned with their samples."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.errors.models import ErrorAttachment, ErrorSample
from tests.adapters.errors.conftest import Project, Recorder, dsn_of, issues, sdk, stored
from tests.adapters.errors.envelopes import auth, envelope, exception_event
from tests.adapters.web.test_pages import sign_in, text_of
from tests.conftest import bearer

HTML = b"<script>alert(document.cookie)</script>"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """64-byte attachments at most, 100 bytes per envelope, two samples per issue."""
    return Settings(
        data_dir=tmp_path,
        host="127.0.0.1",
        port=8080,
        errors_attachment_max_bytes=64,
        errors_envelope_attachments_max_bytes=100,
        errors_samples=2,
    )


def _with_files(event: dict, *files: tuple[str, bytes, dict]) -> bytes:
    items = [({"type": "event"}, orjson.dumps(event))]
    items += [({"type": "attachment", "filename": n, **h}, data) for n, data, h in files]
    return envelope(*items, event_id=event["event_id"])


def _post(client: TestClient, project: Project, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/{project.project_id}/envelope/", content=body, headers=auth(project.public_key)
    )


def _attachments(db: Database) -> list[tuple[str, str, int]]:
    with db.read() as session:
        rows = session.execute(
            select(ErrorAttachment.event_id, ErrorAttachment.filename, ErrorAttachment.size)
            .order_by(ErrorAttachment.id)
        )  # fmt: skip
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _ingested(client: TestClient, project: Project, viewer: str) -> dict[str, dict]:
    views = client.get(
        "/api/v1/errors/ingestion", params={"service": project.service}, headers=bearer(viewer)
    ).json()
    return {v["item_type"]: v for v in views}


def test_attachments_are_stored_once_listed_on_the_sample_and_downloaded_as_files(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    event = exception_event()
    body = _with_files(
        event,
        ("page.html", HTML, {"content_type": "text/html", "attachment_type": "event.attachment"}),
        ("state.json", b'{"cart": 3}', {"content_type": "application/json"}),
    )
    assert _post(client, project, body).json() == {"id": event["event_id"]}
    assert _post(client, project, body).status_code == 200  # a retry stores nothing twice
    assert _attachments(db) == [
        (event["event_id"], "page.html", len(HTML)),
        (event["event_id"], "state.json", 11),
    ]
    [issue] = issues(db)
    viewer = bearer(tokens["viewer"])
    [sample] = client.get(f"/api/v1/errors/issues/{issue.id}", headers=viewer).json()["samples"]
    page, state = sample["attachments"]
    assert (page["filename"], page["content_type"], page["size"]) == ("page.html", "text/html", 39)
    assert page["attachment_type"] == "event.attachment"
    assert state["filename"] == "state.json"

    downloaded = client.get(page["url"], headers=viewer)
    assert downloaded.status_code == 200
    assert downloaded.content == HTML
    assert downloaded.headers["content-type"].startswith("text/html")
    assert downloaded.headers["content-disposition"] == "attachment; filename*=UTF-8''page.html"
    assert "sandbox" in downloaded.headers["content-security-policy"]
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert client.get(page["url"]).status_code == 401  # read access as the rest of the API
    assert client.get("/api/v1/errors/attachments/999999", headers=viewer).status_code == 404
    assert _ingested(client, project, tokens["viewer"])["attachment"]["count"] == 4


def test_an_attachment_over_the_cap_is_dropped_and_counted_and_the_event_stored(
    db: Database, project: Project, client: TestClient, tokens: dict[str, str]
) -> None:
    event = exception_event()
    body = _with_files(
        event,
        ("big.log", b"x" * 65, {}),  # over 64 bytes each
        ("a.txt", b"a" * 60, {}),
        ("b.txt", b"b" * 60, {}),  # 120 bytes with a.txt: over 100 per envelope
        ("c.txt", b"c" * 40, {}),  # 100 with a.txt: kept
    )
    answer = _post(client, project, body)
    assert answer.status_code == 200
    assert stored(db) == (1, 1, 1)
    assert [name for _, name, _ in _attachments(db)] == ["a.txt", "c.txt"]
    counted = _ingested(client, project, tokens["viewer"])["attachment"]
    assert (counted["count"], counted["dropped_over_cap"], counted["handling"]) == (4, 2, "counted")


def test_an_attachment_without_a_filename_refuses_the_envelope_naming_it(
    db: Database, project: Project, client: TestClient
) -> None:
    event = exception_event()
    body = envelope(
        ({"type": "event"}, orjson.dumps(event)),
        ({"type": "attachment"}, b"data"),
        event_id=event["event_id"],
    )
    answer = _post(client, project, body)
    assert answer.status_code == 400
    fields = [f["field"] for f in answer.json()["error"]["fields"]]
    assert fields == ["items[1] (attachment).filename"]
    assert stored(db) == (0, 0, 0) and _attachments(db) == []


def test_attachments_go_with_their_samples(
    db: Database, project: Project, client: TestClient
) -> None:
    events = [exception_event() for _ in range(3)]
    for event in events:
        assert _post(client, project, _with_files(event, ("log.txt", b"x", {}))).status_code == 200
    # Two samples per issue: the first event's sample was written over, its file went with it.
    assert [event_id for event_id, _, _ in _attachments(db)] == [
        events[1]["event_id"],
        events[2]["event_id"],
    ]


def test_the_issue_page_links_each_attachment_as_a_download(
    db: Database, clock: FakeClock, project: Project, client: TestClient
) -> None:
    event = exception_event()
    _post(client, project, _with_files(event, ("trace.txt", b"hello", {})))
    [issue] = issues(db)
    sign_in(client, db, clock)
    html = client.get(f"/errors/{issue.id}").text
    assert 'href="/api/v1/errors/attachments/' in html and "download>trace.txt</a>" in html
    assert "trace.txt (5 Bytes, application/octet-stream)" in text_of(html)
    with db.read() as session:
        attachment_id = session.scalar(select(func.max(ErrorAttachment.id)))
    assert client.get(f"/api/v1/errors/attachments/{attachment_id}").content == b"hello"


def test_the_python_sdk_sends_an_attachment_with_its_event(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        scope.add_attachment(bytes=b"cart=3", filename="cart.txt", content_type="text/plain")
        try:
            {}["total"]
        except KeyError:
            scope.capture_exception()
    [issue] = issues(db)
    assert issue.event_count == 1
    [(event_id, filename, size)] = _attachments(db)
    assert (filename, size) == ("cart.txt", 6)
    with db.read() as session:
        assert session.scalar(select(ErrorSample.event_id)) == event_id


def test_header_values_past_the_columns_are_not_a_server_error(
    db: Database, project: Project, client: TestClient
) -> None:
    event = exception_event()
    long_type = {"content_type": "a" * 64 + "/" + "b" * 64}
    answer = _post(client, project, _with_files(event, ("long.bin", b"1", long_type)))
    assert answer.status_code == 200
    # 36 hex digits is no event id: the attachment has no event to belong to, and is counted.
    items = [({"type": "event"}, orjson.dumps(exception_event()))]
    items.append(({"type": "attachment", "filename": "x.txt"}, b"x"))
    answer = _post(client, project, envelope(*items, event_id="f" * 36))
    assert answer.status_code == 200
    assert [name for _, name, _ in _attachments(db)] == ["long.bin"]
    with db.read() as session:
        assert session.scalar(select(ErrorAttachment.content_type)) == "application/octet-stream"
