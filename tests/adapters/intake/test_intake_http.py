"""What the HTTP layer does for intake posts, which are answered before FastAPI's stack
(middleware.DirectRoutes): the body limit, security headers and request metrics as for every
other request, and anything that is not an intake post left to the app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient

from onwatch.core.db import Database
from onwatch.web.context import AppContext
from tests.adapters.intake.loopback import serving
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import Keys, alerts, stored_rows

LIMIT = 512 * 1024
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _in_pieces(body: bytes, size: int = 1000) -> Iterator[bytes]:
    """A body sent without Content-Length, chunk by chunk."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_streamed_body_over_the_limit_is_413_and_nothing_stored(
    client: TestClient, keys: Keys, db: Database
) -> None:
    for url in ("/v2/enqueue", f"/api/v1/intake/generic/{keys['generic']}"):
        response = client.post(url, content=_in_pieces(b" " * (LIMIT + 1)))
        assert response.status_code == 413
        assert response.json() == {
            "error": {
                "code": "too_large",
                "message": f"body: larger than {LIMIT} bytes",
                "fields": [],
            }
        }
    assert stored_rows(db) == (0, 0, 0, 0)


def test_a_streamed_body_within_the_limit_is_read_whole(
    client: TestClient, keys: Keys, db: Database
) -> None:
    event = json.dumps(trigger(keys["pagerduty"], dedup_key="disk-db1")).encode()
    response = client.post("/v2/enqueue", content=_in_pieces(event, 7))
    assert response.status_code == 202
    assert response.json()["dedup_key"] == "disk-db1"
    hook = json.dumps(am_webhook(am_alert("DiskFull"))).encode()
    url = f"/api/v1/intake/alertmanager/{keys['alertmanager']}"
    assert client.post(url, content=_in_pieces(hook, 50)).status_code == 202
    assert len(alerts(db)) == 2


def test_triggers_without_dedup_key_are_given_distinct_version_4_uuids(
    client: TestClient, keys: Keys
) -> None:
    given = [
        client.post("/v2/enqueue", json=trigger(keys["pagerduty"])).json()["dedup_key"]
        for _ in range(3)
    ]
    assert len(set(given)) == 3
    for key in given:
        assert uuid.UUID(key).hex == key
        assert (uuid.UUID(key).version, uuid.UUID(key).variant) == (4, uuid.RFC_4122)


def test_intake_answers_carry_the_security_headers(client: TestClient, keys: Keys) -> None:
    answers = [
        client.post("/v2/enqueue", json=trigger(keys["pagerduty"])),
        client.post("/v2/enqueue", content=b"{nope"),
        client.post("/v2/enqueue", content=b" " * (LIMIT + 1)),
        client.post("/api/v1/intake/grafana", json={}),
    ]
    assert [answer.status_code for answer in answers] == [202, 400, 413, 401]
    for answer in answers:
        assert answer.headers["content-type"] == "application/json"
        assert SECURITY_HEADERS.items() <= answer.headers.items()
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_metrics_count_intake_requests_by_route_template(client: TestClient, keys: Keys) -> None:
    am = keys["alertmanager"]
    client.post("/v2/enqueue", json=trigger(keys["pagerduty"]))
    client.post("/v2/enqueue", json=trigger("owi_unknown"))
    client.post("/v2/change/enqueue", json={"routing_key": keys["pagerduty"]})
    client.post(f"/api/v1/intake/alertmanager/{am}", json=am_webhook(am_alert("DiskFull")))
    client.post(
        "/api/v1/intake/alertmanager",
        json=am_webhook(am_alert("DiskFull")),
        headers={"Authorization": f"Bearer {am}"},
    )
    client.post("/v2/enqueue", content=b" " * (LIMIT + 1))
    text = client.get("/metrics").text
    for method, route, status in [
        ("POST", "/v2/enqueue", "202"),
        ("POST", "/v2/enqueue", "400"),  # an unknown routing key, as PagerDuty answers
        ("POST", "/v2/change/enqueue", "400"),
        ("POST", "/api/v1/intake/alertmanager/{key}", "202"),
        ("POST", "/api/v1/intake/alertmanager", "202"),
        # Refused before any route is chosen, as the body limit always was.
        ("POST", "unmatched", "413"),
    ]:
        line = f'onwatch_http_requests_total{{method="{method}",route="{route}",status="{status}"}}'
        assert f"{line} 1.0" in text
    assert 'onwatch_http_request_seconds_count{method="POST",route="/v2/enqueue"} 2.0' in text


def test_other_requests_on_intake_paths_are_left_to_the_app(client: TestClient, keys: Keys) -> None:
    am = keys["alertmanager"]
    assert client.get("/v2/enqueue").status_code == 405
    assert client.put(f"/api/v1/intake/alertmanager/{am}", json={}).status_code == 405
    assert client.post(f"/api/v1/intake/alertmanager/{am}/more", json={}).status_code == 404
    assert client.post(f"/api/v1/intake/nonsense/{am}", json={}).status_code == 404
    # The metrics wire format has routes of its own.
    assert client.post("/api/v1/intake/metrics", json={}).json()["error"]["code"] == (
        "unauthorized"
    )
    redirected = client.post("/v2/enqueue/", json={}, follow_redirects=False)
    assert (redirected.status_code, redirected.headers["location"]) == (
        307,
        "http://testserver/v2/enqueue",
    )


def test_a_real_server_answers_posts_with_and_without_a_length(
    ctx: AppContext, keys: Keys, db: Database
) -> None:
    event = json.dumps(trigger(keys["pagerduty"], dedup_key="disk-db1")).encode()
    with serving(ctx) as url, httpx.Client(base_url=url) as http:
        sized = http.post("/v2/enqueue", content=event)
        streamed = http.post("/v2/enqueue", content=_in_pieces(event, 16))
        too_large = http.post("/v2/enqueue", content=_in_pieces(b" " * (LIMIT + 1), 65536))
    assert [sized.status_code, streamed.status_code, too_large.status_code] == [202, 202, 413]
    assert streamed.json() == sized.json()
    assert SECURITY_HEADERS.items() <= sized.headers.items()
    assert alerts(db)[0].event_count == 2
