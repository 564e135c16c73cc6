"""The real JavaScript SDK, @sentry/node (pinned in node/package.json, installed by `npm ci` in
.ci/run and scripts/test), run by node against onwatch served by uvicorn on loopback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from onwatch.core.db import Database
from onwatch.errors.models import ErrorSample
from tests.adapters.errors.conftest import (
    Project,
    Recorder,
    dsn_of,
    ingestion,
    issues,
    stored,
)
from tests.conftest import unavailable

FIXTURE = Path(__file__).parent / "node"


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None:
        unavailable("Node.js", "node is not on PATH")
    if not (FIXTURE / "node_modules" / "@sentry" / "node").is_dir():
        unavailable("@sentry/node", "run `npm ci --prefix tests/adapters/errors/node`")
    return found  # type: ignore[return-value]


def send(node: str, project: Project, host: str, scenario: str) -> None:
    """Runs send.mjs to its end: it exits 0 only once the SDK has flushed every envelope."""
    done = subprocess.run(
        [node, str(FIXTURE / "send.mjs"), dsn_of(project, host), scenario],
        cwd=FIXTURE,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def frames(db: Database, issue_id: int) -> list[dict]:  # type: ignore[type-arg]
    with db.read() as session:
        sample = session.scalars(
            select(ErrorSample).where(ErrorSample.issue_id == issue_id)
        ).first()
    assert sample is not None
    [exception] = sample.payload["exception"]["values"]
    return exception["stacktrace"]["frames"]


def test_node_sdk_captures_an_exception_into_an_issue_grouped_by_its_js_frames(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, _ = served
    send(node, project, host, "exception")
    [issue] = issues(db)
    assert issue.title == "TypeError: cart 1 has no total"
    assert issue.event_count == 1
    assert issue.status == "unresolved" and issue.substatus == "new"
    assert "in placeA" in issue.grouping_reason
    assert issue.culprit == "send in placeA"
    assert issue.releases == ["checkout@1.4.0"]
    assert issue.environments == ["production"]
    in_app = [f for f in frames(db, issue.id) if f.get("in_app")]
    assert [f["function"] for f in in_app][-2:] == ["capture", "placeA"]
    assert stored(db) == (1, 1, 1)


def test_node_sdk_same_exception_twice_from_one_place_is_one_issue_with_two_events(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, _ = served
    send(node, project, host, "twice")
    [issue] = issues(db)
    assert issue.event_count == 2
    assert stored(db) == (1, 2, 2)


def test_node_sdk_a_different_call_site_makes_a_second_issue(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, _ = served
    send(node, project, host, "sites")
    # The SDK sends envelopes concurrently, so which issue is stored first is not fixed.
    counts = {
        ("placeA" if "in placeA" in i.grouping_reason else "placeB"): i.event_count
        for i in issues(db)
    }
    assert counts == {"placeA": 2, "placeB": 1}


def test_node_sdk_captures_a_message_grouped_by_its_text(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, _ = served
    send(node, project, host, "message")
    [issue] = issues(db)
    assert issue.title == "payment provider timed out"
    assert issue.level == "warning"
    assert issue.event_count == 2
    assert issue.grouping_reason.startswith("grouped by message")


def test_node_sdk_process_session_is_counted_for_release_health(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, _ = served
    send(node, project, host, "session")
    counts = ingestion(db)
    assert counts.get("session", 0) + counts.get("sessions", 0) >= 1
    assert stored(db) == (0, 0, 0)


def test_node_sdk_gzips_a_large_envelope_and_onwatch_stores_it(
    db: Database, project: Project, served: tuple[str, Recorder], node: str
) -> None:
    host, recorder = served
    send(node, project, host, "compression")
    encodings = [encoding for path, encoding in recorder.seen if path.endswith("/envelope/")]
    assert sorted(encodings) == ["", "gzip"]  # sent concurrently: either may arrive first
    [issue] = issues(db)
    assert issue.event_count == 2
    with db.read() as session:
        extras = [s.payload.get("extra", {}) for s in session.scalars(select(ErrorSample))]
    assert sorted(len(extra) for extra in extras) == [0, 400]
