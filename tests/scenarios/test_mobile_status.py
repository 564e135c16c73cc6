"""Seed playbook 001: when an upstream outage will last, the engineer sets a maintenance window
on the upstream service and users see a warning in the app. The app is the one public service,
so the public status names it and nothing of the upstream map; its schedule answers its
incidents."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.scenarios.conftest import Ask


def test_a_window_on_an_upstream_service_warns_the_apps_users_and_names_only_the_app(
    example: Callable[[str], Ask], client: TestClient, tokens: dict[str, str]
) -> None:
    ask = example("001-mobile.yaml")
    made = client.post(
        "/api/v1/maintenance",
        headers=bearer(tokens["responder"]),
        json={
            "service": "health-records",
            "duration": "4h",
            "message": "Health records are read-only while the records system recovers.",
        },
    )
    assert made.status_code == 201, made.text
    status = client.get("/api/v1/status").json()
    assert [s["service"] for s in status["services"]] == ["mobile-app"]
    [window] = status["maintenance"]["active"]
    assert (window["service"], window["affected_services"]) == ("health-records", ["mobile-app"])
    assert ask("/schedules/mobile-on-call")["services"] == ["mobile-app"]
