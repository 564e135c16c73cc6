"""The admin page for integrations: each one's URL and a curl to test it; a new or rotated key is
shown once and only its hash is kept; rotating refuses the old key at once; deleting needs a
confirmation; only admins, only with the session's CSRF token, and every change audited."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.audit.models import AuditEntry
from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock, SystemClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.endpoints import SENDING_KINDS
from onwatch.integrations.keys import create_integration, list_integrations
from onwatch.integrations.models import Integration
from onwatch.web.context import AppContext
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.adapters.intake.loopback import serving
from tests.adapters.intake.payloads import am_alert, am_webhook, trigger
from tests.adapters.intake.stored import alerts
from tests.adapters.web.test_pages_tokens import sign_in
from tests.conftest import unavailable

BASE = "http://127.0.0.1:8080"  # the settings fixture's resolved base URL
NEW_KEY = re.compile(r'value="([^"]+)" aria-label="The new key"')
# Each write of the page, with a form that would succeed for an admin with the CSRF token.
WRITES = [
    ("/admin/integrations", {"name": "new", "service": "reader", "kind": "generic"}),
    ("/admin/integrations/rotate", {"name": "scripts", "confirm": "scripts"}),
    ("/admin/integrations/delete", {"name": "scripts", "confirm": "scripts"}),
]
COMMAND = re.compile(r'<pre class="command"><code>(.*?)</code></pre>', re.S)


@pytest.fixture
def reader(db: Database, clock: FakeClock) -> None:
    with db.transaction() as session:
        for name in ("reader", "caseflow"):
            put_service(session, ServiceSpec(name=name), actor="test", now=clock.now())


@pytest.fixture
def admin_csrf(client: TestClient, db: Database, clock: FakeClock, reader: None) -> str:
    return sign_in(client, db, clock, "admin")


def made(db: Database, clock: FakeClock, name: str, kind: str, service: str = "reader") -> str:
    """An integration made outside the page; its key."""
    with db.transaction() as session:
        return create_integration(
            session, name=name, service=service, kind=kind, actor="test", now=clock.now()
        ).key


def stored(db: Database) -> dict[str, tuple[str, str, str]]:
    """name -> (service id, kind, key hash) of every integration."""
    with db.read() as session:
        return {i.name: (str(i.service_id), i.kind, i.key_hash) for i in list_integrations(session)}


def audit(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_key)
            .where(AuditEntry.entity_type == "integration")
            .order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows]


def new_key(page: str) -> str:
    found = NEW_KEY.search(page)
    assert found, "no new key on the page"
    return found.group(1)


def test_the_list_shows_each_integrations_url_and_a_curl_to_test_it(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    pd_key = made(db, clock, "ci-deploys", "pagerduty")
    am_key = made(db, clock, "prometheus", "alertmanager", service="caseflow")
    page = client.get("/admin/integrations")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f'<code class="url" id="url-ci-deploys">{BASE}/v2/enqueue</code>' in text
    assert f'id="url-prometheus">{BASE}/api/v1/intake/alertmanager/KEY</code>' in text
    # A test alert and its resolve, with a placeholder: the keys were shown only when made.
    assert f"curl -sS {BASE}/v2/enqueue \\\n  -H 'Content-Type: application/json' \\\n" in text
    assert '"routing_key": "KEY", "event_action": "trigger", "dedup_key": "onwatch-test"' in text
    assert '"routing_key": "KEY", "event_action": "resolve", "dedup_key": "onwatch-test"' in text
    assert f"curl -sS {BASE}/api/v1/intake/alertmanager/KEY" in text
    assert "Put the key in place of <code>KEY</code>" in text
    assert pd_key not in text and am_key not in text
    for shown in ("PagerDuty Events API v2", "Prometheus Alertmanager", "2026-03-02 14:00 UTC"):
        assert shown in text
    assert "none yet" in text  # no event seen from either
    assert '<a href="/admin/integrations" aria-current="page">Integrations</a>' in text
    assert "apply --prune</code> with a file that does not declare them deletes them" in text
    # With ONWATCH_BASE_URL set, the URLs are made from it.
    client.app.state.ctx.settings.base_url = "https://onwatch.example/"
    text = client.get("/admin/integrations").text
    assert ">https://onwatch.example/api/v1/intake/alertmanager/KEY</code>" in text


def test_an_admin_creates_an_integration_and_sees_its_key_once(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    form = {"name": "ci-deploys", "service": "reader", "kind": "pagerduty"}
    created = client.post("/admin/integrations", data={**form, "csrf_token": admin_csrf})
    assert created.status_code == 201
    key = new_key(created.text)
    assert re.fullmatch(r"[0-9a-f]{32}", key)  # PagerDuty's length, for tools that check it
    assert "it will not be shown again" in created.text
    # The curl on this answer has the key filled in, so it can be pasted as is.
    assert f"&#34;routing_key&#34;: &#34;{key}&#34;" in created.text
    # Only its hash is kept, and it is not on the page again.
    [(_, kind, key_hash)] = stored(db).values()
    assert (kind, key_hash) == ("pagerduty", hashlib.sha256(key.encode()).hexdigest())
    assert key not in client.get("/admin/integrations").text
    assert audit(db) == [("user:root", "integration.create", "ci-deploys")]
    # The key works.
    answer = client.post("/v2/enqueue", json=trigger(key, "disk"))
    assert (answer.status_code, answer.json()["status"]) == (202, "success")
    assert [a.dedup_key for a in alerts(db)] == ["disk"]


BAD_FORMS = [
    (
        {"name": "Grafana Alerts", "service": "reader", "kind": "grafana"},
        422,
        "lowercase letters, digits, &#39;.&#39;, &#39;_&#39; and &#39;-&#39;",
    ),
    ({"name": "g", "service": "nowhere", "kind": "grafana"}, 422, "no service &#39;nowhere&#39;"),
    ({"name": "g", "service": "reader", "kind": "nagios"}, 422, "must be one of pagerduty"),
    ({"name": "taken", "service": "reader", "kind": "grafana"}, 409, "already exists"),
]


def test_bad_input_is_shown_back_and_nothing_is_stored(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    made(db, clock, "taken", "generic")
    before = stored(db)
    for form, status, message in BAD_FORMS:
        answer = client.post("/admin/integrations", data={**form, "csrf_token": admin_csrf})
        assert answer.status_code == status, form
        assert message in answer.text
        assert f'name="name" value="{html.escape(form["name"])}"' in answer.text
        assert not NEW_KEY.search(answer.text)
    assert stored(db) == before
    assert audit(db) == [("test", "integration.create", "taken")]


def test_rotating_refuses_the_old_key_and_accepts_the_new_one(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    def send(kind: str, key: str) -> int:
        if kind == "pagerduty":
            return client.post("/v2/enqueue", json=trigger(key, "disk")).status_code
        url = f"/api/v1/intake/alertmanager/{key}"
        return client.post(url, json=am_webhook(am_alert("DiskFull"))).status_code

    for kind in ("alertmanager", "pagerduty"):
        old = made(db, clock, kind, kind)
        assert send(kind, old) == 202
        form = {"name": kind, "confirm": kind, "csrf_token": admin_csrf}
        rotated = client.post("/admin/integrations/rotate", data=form)
        assert rotated.status_code == 200
        assert "The old key no longer works" in rotated.text
        new = new_key(rotated.text)
        assert new != old
        # PagerDuty refuses an unknown routing key with 400 (see test_pagerduty_keys.py).
        assert send(kind, old) == (400 if kind == "pagerduty" else 401)
        assert send(kind, new) == 202
        assert audit(db)[-1] == ("user:root", "integration.rotate", kind)
        assert new not in client.get("/admin/integrations").text


def test_an_admin_deletes_an_integration_and_its_key_stops_working(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    key = made(db, clock, "scripts", "generic")
    made(db, clock, "other", "generic")
    assert client.post(f"/api/v1/intake/generic/{key}", json={"summary": "x"}).status_code == 202
    form = {"name": "scripts", "confirm": "scripts", "csrf_token": admin_csrf}
    deleted = client.post("/admin/integrations/delete", data=form, follow_redirects=False)
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/admin/integrations")
    assert sorted(stored(db)) == ["other"]
    assert client.post(f"/api/v1/intake/generic/{key}", json={"summary": "x"}).status_code == 401
    assert len(alerts(db)) == 1  # what it sent is kept
    assert audit(db)[-1] == ("user:root", "integration.delete", "scripts")
    assert 'id="url-scripts"' not in client.get("/admin/integrations").text


def test_rotate_and_delete_are_behind_a_confirmation(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    key = made(db, clock, "scripts", "generic")
    made(db, clock, "other", "generic")
    before = stored(db)
    page = client.get("/admin/integrations").text
    for action, button in (("rotate", "Rotate the key of scripts"), ("delete", "Delete scripts")):
        # The page's form for it is behind a <details>, and repeats the name as `confirm`.
        forms = re.findall(
            rf'<details class="confirm">\s*<summary>[^<]+</summary>\s*'
            rf'<form method="post" action="/admin/integrations/{action}">(.*?)</form>',
            page,
            re.S,
        )
        [found] = [f for f in forms if 'name="name" value="scripts"' in f]
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', found))
        assert fields == {"csrf_token": admin_csrf, "name": "scripts", "confirm": "scripts"}
        assert button in found
        for confirm in (None, "", "other"):
            form = {"name": "scripts", "csrf_token": admin_csrf}
            if confirm is not None:
                form["confirm"] = confirm
            url = f"/admin/integrations/{action}"
            answer = client.post(url, data=form, follow_redirects=False)
            assert answer.status_code == 422
            assert "confirm it" in answer.text
    assert stored(db) == before
    assert client.post(f"/api/v1/intake/generic/{key}", json={"summary": "x"}).status_code == 202


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_viewers_and_responders_may_not_see_or_change_integrations(
    client: TestClient, db: Database, clock: FakeClock, reader: None, role: str
) -> None:
    key = made(db, clock, "scripts", "generic")
    csrf = sign_in(client, db, clock, role)
    before = stored(db)
    page = client.get("/admin/integrations")
    assert page.status_code == 403
    assert "This needs the admin role." in page.text
    assert "/admin/integrations" not in client.get("/").text  # no nav link either
    for url, form in WRITES:
        answer = client.post(url, data={**form, "csrf_token": csrf}, follow_redirects=False)
        assert answer.status_code == 403, url
        assert not NEW_KEY.search(answer.text)
    assert stored(db) == before
    assert client.post(f"/api/v1/intake/generic/{key}", json={"summary": "x"}).status_code == 202


def test_every_write_needs_the_csrf_token(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    made(db, clock, "scripts", "generic")
    before = stored(db)
    for sent in (None, "0" * 64):
        for url, form in WRITES:
            data = form if sent is None else {**form, "csrf_token": sent}
            answer = client.post(url, data=data, follow_redirects=False)
            assert answer.status_code == 403, url
            assert "CSRF" in answer.text
    assert stored(db) == before
    assert audit(db) == [("test", "integration.create", "scripts")]


def test_the_last_event_is_shown_and_written_at_most_once_a_minute(
    client: TestClient, db: Database, clock: FakeClock, admin_csrf: str
) -> None:
    pd = made(db, clock, "ci-deploys", "pagerduty")
    am = made(db, clock, "prometheus", "alertmanager")

    def last_seen() -> dict[str, object]:
        with db.read() as session:
            return {i.name: i.last_event_at for i in session.scalars(select(Integration))}

    start = clock.now()
    clock.set(start + timedelta(minutes=5))
    assert client.post("/v2/enqueue", json=trigger(pd, "disk")).status_code == 202
    assert last_seen() == {"ci-deploys": start + timedelta(minutes=5), "prometheus": None}
    page = html.unescape(client.get("/admin/integrations").text)
    assert "Last event</dt><dd>2026-03-02 14:05 UTC" in page
    # Within the minute, nothing is written; after it, the time moves on.
    clock.set(start + timedelta(minutes=5, seconds=59))
    client.post("/v2/change/enqueue", json={"routing_key": pd, "payload": {"summary": "deploy"}})
    assert last_seen()["ci-deploys"] == start + timedelta(minutes=5)
    clock.set(start + timedelta(minutes=6))
    client.post("/v2/change/enqueue", json={"routing_key": pd, "payload": {"summary": "deploy"}})
    assert last_seen()["ci-deploys"] == start + timedelta(minutes=6)
    # A refused request is not an event.
    client.post(f"/api/v1/intake/alertmanager/{am}", json={"version": "3"})
    assert last_seen()["prometheus"] is None


def test_the_token_page_sends_monitors_to_integrations(client: TestClient, admin_csrf: str) -> None:
    page = client.get("/admin/tokens").text
    assert "grafana-alerts" not in page  # the old hint made people paste a token into Grafana
    assert "It needs an integration key, not an API token" in page
    assert '<a href="/admin/integrations">Integrations</a>' in page


def test_the_curl_commands_shown_with_a_new_key_work_as_pasted(
    ctx: AppContext, db: Database, clock: FakeClock
) -> None:
    """Each format's commands, run by bash and curl against a real server: the first opens a
    test alert (for metrics: stores a sample), the second resolves it."""
    if shutil.which("curl") is None:
        unavailable("curl", "not on PATH")
    clock.set(SystemClock().now())  # the metrics sample is stamped by `date` in the shell
    with db.transaction() as session:
        for kind in SENDING_KINDS:
            put_service(session, ServiceSpec(name=kind), actor="test", now=clock.now())
        user = auth.create_user(
            session, username="root", password="x" * 12, role="admin", actor="t", now=clock.now()
        )
        cookie = auth.start_session(session, user, clock.now(), timedelta(hours=1)).cookie
    answers: dict[str, list[dict[str, object]]] = {}
    with serving(ctx) as base, httpx.Client(base_url=base) as browser:
        ctx.settings.base_url = base
        browser.cookies.set(SESSION_COOKIE, cookie)
        for kind in SENDING_KINDS:
            form = {"name": f"try-{kind}", "service": kind, "kind": kind}
            created = browser.post(
                "/admin/integrations", data={**form, "csrf_token": csrf_token_for(cookie)}
            )
            assert created.status_code == 201
            shown = created.text.split('<section class="secret"', 1)[1].split("</section>", 1)[0]
            commands = [html.unescape(c) for c in COMMAND.findall(shown)]
            assert all(new_key(created.text) in command for command in commands)
            answers[kind] = [json.loads(_run(command)) for command in commands]
    assert answers == {
        "pagerduty": [
            {"status": "success", "message": "Event processed", "dedup_key": "onwatch-test"},
            {"status": "success", "message": "Event processed", "dedup_key": "onwatch-test"},
        ],
        **{
            kind: [
                {"status": "accepted", "events": 1, "created": 1},
                {"status": "accepted", "events": 1, "resolved": 1},
            ]
            for kind in ("alertmanager", "grafana", "datadog", "generic")
        },
        "metrics": [{"status": "accepted", "samples": 1}],
    }
    assert sorted((a.dedup_key, a.status) for a in alerts(db)) == [("onwatch-test", "resolved")] * 5


def _run(command: str) -> str:
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
