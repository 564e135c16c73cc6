"""`onwatch serve` over HTTPS, from a certificate and key in its settings; PagerDuty's own
client library, which sends only to https:// URLs, triggers an alert through it."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pagerduty
import trustme
from sqlalchemy import select

from onwatch.alerts.models import Alert
from onwatch.core.clock import SystemClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from onwatch.migrations import runner
from tests.adapters.cli.serving import PATIENCE, free_port, onwatch_env, serving


def _integration_key(data: Path) -> str:
    """A PagerDuty integration on service `reader` of the SQLite file serve will use."""
    data.mkdir()
    db = Database(f"sqlite:///{data / 'onwatch.db'}")
    try:
        runner.upgrade(db)
        now = SystemClock().now()
        with db.transaction() as session:
            put_service(session, ServiceSpec(name="reader"), actor="test", now=now)
            return create_integration(
                session,
                name="reader-pd",
                service="reader",
                kind="pagerduty",
                actor="test",
                now=now,
            ).key
    finally:
        db.dispose()


def test_pagerduty_client_triggers_an_alert_over_https(tmp_path: Path) -> None:
    authority = trustme.CA()
    leaf = authority.issue_cert("127.0.0.1")
    cert, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    for blob in leaf.cert_chain_pems:
        blob.write_to_path(str(cert), append=True)
    leaf.private_key_pem.write_to_path(str(key_file))
    key = _integration_key(tmp_path / "data")
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)

    with serving(
        tmp_path,
        "--no-engine",
        scheme="https",
        tls_cert_file=str(cert),
        tls_key_file=str(key_file),
    ) as server:
        assert any(line.startswith(f"onwatch: listening on {server.url} ") for line in server.lines)
        assert f"onwatch: ready at {server.url}" in server.lines
        # An idle TLS connection left open would hold serve's stop until its close times out.
        with pagerduty.EventsApiV2Client(key, base_url=server.url, verify=trusted) as events:
            dedup_key = events.trigger(
                "disk full on db1", "db1", dedup_key="disk-db1", severity="error"
            )
        with httpx.Client(base_url=server.url, verify=trusted) as browser:
            login = browser.get("/login")
        with httpx.Client(base_url=server.url.replace("https", "http")) as plain:
            try:
                plain.get("/healthz")
                spoke_plain_http = True
            except httpx.HTTPError:
                spoke_plain_http = False

    assert dedup_key == "disk-db1"
    assert "secure" in login.headers["set-cookie"].lower()  # cookies only over HTTPS
    assert not spoke_plain_http
    db = Database(f"sqlite:///{tmp_path / 'data' / 'onwatch.db'}")
    try:
        with db.read() as session:
            alerts = session.scalars(select(Alert)).all()
            stored = [(a.dedup_key, a.summary, a.source, a.severity, a.status) for a in alerts]
    finally:
        db.dispose()
    assert stored == [("disk-db1", "disk full on db1", "db1", "error", "firing")]


def test_serve_refuses_a_certificate_without_its_key(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    trustme.CA().issue_cert("127.0.0.1").cert_chain_pems[0].write_to_path(str(cert))
    ended = subprocess.run(
        [sys.executable, "-m", "onwatch.cli.main", "serve"],
        env=onwatch_env(tmp_path, port=str(free_port()), tls_cert_file=str(cert)),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert ended.returncode == 3
    assert ended.stderr.strip() == (
        "error: set both ONWATCH_TLS_CERT_FILE and ONWATCH_TLS_KEY_FILE, or neither"
    )
    assert not (tmp_path / "data").exists()
