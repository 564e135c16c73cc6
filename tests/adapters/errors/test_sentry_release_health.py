"""The real Python sentry_sdk's sessions, sent to onwatch on uvicorn, give the release's crash-free
rates through the API: sessions of several users, one of which crashed on an unhandled error."""

from __future__ import annotations

import sys

import httpx
from sentry_sdk.utils import event_from_exception

from tests.adapters.errors.conftest import Project, Recorder, dsn_of, sdk
from tests.conftest import bearer


def _session(dsn: str, user: str, crash: bool) -> None:
    with sdk(dsn, release="checkout@1.5.0") as scope:
        scope.set_user({"id": user})
        scope.start_session()
        if crash:
            try:
                raise RuntimeError("card declined")
            except RuntimeError:
                # As an integration reports an error it did not handle: the session crashes.
                mechanism = {"type": "test", "handled": False}
                event, hint = event_from_exception(sys.exc_info(), mechanism=mechanism)
                scope.capture_event(event, hint=hint)
        scope.end_session()


def test_sdk_sessions_give_the_crash_free_rates_of_their_release(
    project: Project, served: tuple[str, Recorder], tokens: dict[str, str]
) -> None:
    host, recorder = served
    dsn = dsn_of(project, host)
    for user, crash in [("ann", False), ("bob", False), ("ann", False), ("cid", True)]:
        _session(dsn, user, crash)
    answer = httpx.get(
        f"http://{host}/api/v1/errors/releases",
        params={"service": project.service},
        headers=bearer(tokens["viewer"]),
    )
    assert answer.status_code == 200
    [release] = answer.json()
    assert (release["release"], release["environment"]) == ("checkout@1.5.0", "production")
    assert (release["sessions"], release["crashed"]) == (4, 1)
    assert (release["users"], release["crashed_users"]) == (3, 1)
    assert release["crash_free_sessions"] == 75.0
    assert release["crash_free_users"] == round(200 / 3, 2)
    assert any(path.endswith("/envelope/") for path, _ in recorder.seen)
