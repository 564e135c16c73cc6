"""The real Python sentry_sdk, configured with a DSN of onwatch served by uvicorn on loopback."""

from __future__ import annotations

from onwatch.core.db import Database
from tests.adapters.errors.conftest import (
    Project,
    Recorder,
    dsn_of,
    ingestion,
    issues,
    sdk,
    stored,
)


def checkout(cart: dict[str, int]) -> int:
    return cart["total"]


def refund(cart: dict[str, int]) -> int:
    return cart["total"]


def _raise_from(function, scope) -> None:  # type: ignore[no-untyped-def]
    try:
        function({})
    except KeyError:
        scope.capture_exception()


def test_sdk_captures_an_exception_into_an_issue_grouped_by_its_in_app_frames(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        _raise_from(checkout, scope)
    [issue] = issues(db)
    assert issue.title == "KeyError: 'total'"
    assert issue.event_count == 1
    assert issue.status == "unresolved" and issue.substatus == "new"
    assert "checkout" in issue.grouping_reason
    assert issue.releases == ["checkout@1.4.0"]
    assert issue.environments == ["production"]
    assert stored(db) == (1, 1, 1)


def test_same_exception_twice_from_one_place_is_one_issue_with_two_events(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        for _ in range(2):
            _raise_from(checkout, scope)
    [issue] = issues(db)
    assert issue.event_count == 2
    assert stored(db) == (1, 2, 2)


def test_a_different_call_site_makes_a_second_issue(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        _raise_from(checkout, scope)
        _raise_from(refund, scope)
        _raise_from(checkout, scope)
    found = issues(db)
    assert [i.event_count for i in found] == [2, 1]
    assert "refund" in found[1].grouping_reason
    assert found[0].fingerprint != found[1].fingerprint


def test_sdk_captures_a_message_grouped_by_its_text(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        scope.capture_message("payment provider timed out", level="warning")
        scope.capture_message("payment provider timed out", level="warning")
    [issue] = issues(db)
    assert issue.title == "payment provider timed out"
    assert issue.level == "warning"
    assert issue.event_count == 2
    assert issue.grouping_reason.startswith("grouped by message")


def test_sdk_sessions_are_counted_for_release_health(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, _ = served
    with sdk(dsn_of(project, host)) as scope:
        scope.start_session()
        scope.end_session()
    counts = ingestion(db)
    assert counts.get("session", 0) + counts.get("sessions", 0) >= 1
    assert stored(db) == (0, 0, 0)


def test_sending_with_transport_compression_works(
    db: Database, project: Project, served: tuple[str, Recorder]
) -> None:
    host, recorder = served
    with sdk(dsn_of(project, host), _experiments={"transport_compression_level": 9}) as scope:
        _raise_from(checkout, scope)
    with sdk(dsn_of(project, host), _experiments={"transport_compression_level": 0}) as scope:
        _raise_from(checkout, scope)
    encodings = [encoding for path, encoding in recorder.seen if path.endswith("/envelope/")]
    assert encodings == ["gzip", ""]
    [issue] = issues(db)
    assert issue.event_count == 2
