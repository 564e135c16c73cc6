"""The real Prometheus Alertmanager (Debian's binary), configured with onwatch as its webhook
receiver, opens an onwatch incident when an alert fires and resolves it when the alert resolves.

Alertmanager runs on its own clock, so this test waits for it: it polls onwatch's database in a
bounded loop (short pauses, a generous deadline) rather than sleeping a fixed time."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from onwatch.alerts.models import Alert
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.incidents.models import Incident
from onwatch.integrations.keys import create_integration
from onwatch.web.context import AppContext
from tests.adapters.intake.loopback import free_port, serving
from tests.conftest import unavailable

BINARY = "/usr/bin/prometheus-alertmanager"
DEADLINE = timedelta(seconds=60)
T = TypeVar("T")

pytestmark = pytest.mark.alertmanager

CONFIG = """\
route:
  receiver: onwatch
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: onwatch
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


def wait_for(what: str, probe: Callable[[], T | None], log: Path) -> T:
    """Poll `probe` until it returns something, or fail after DEADLINE with Alertmanager's log."""
    pause = threading.Event()
    deadline = time.monotonic() + DEADLINE.total_seconds()
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        pause.wait(0.05)
    pytest.fail(f"{what} did not happen within {DEADLINE}; alertmanager log:\n{log.read_text()}")


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[[str], tuple[str, Path]]]:
    """start(webhook_url) runs Alertmanager with onwatch as its only receiver: its base URL and
    the file its log goes to."""
    if shutil.which(BINARY) is None:
        unavailable("prometheus-alertmanager", f"{BINARY} is not installed")
    processes: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "alertmanager.log"

    def start(webhook_url: str) -> tuple[str, Path]:
        config = tmp_path / "alertmanager.yml"
        config.write_text(CONFIG.format(url=webhook_url))
        port = free_port()
        with log.open("wb") as out:
            processes.append(subprocess.Popen(
                [BINARY, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
                 f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                 "--log.level=debug"],
                stdout=out, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool | None:
            if processes[0].poll() is not None:
                pytest.fail(f"alertmanager exited at start:\n{log.read_text()}")
            try:
                return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200 or None
            except httpx.TransportError:
                return None

        wait_for("alertmanager ready", ready, log)
        return url, log

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def test_real_alertmanager_opens_then_resolves_an_incident(
    alertmanager: Any, ctx: AppContext, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        key = create_integration(session, name="prometheus", service="reader",
                                 kind="alertmanager", actor="test", now=clock.now()).key

    def incident() -> Incident | None:
        with db.read() as session:
            return session.scalar(select(Incident))

    with serving(ctx) as onwatch:
        am, log = alertmanager(f"{onwatch}/api/v1/intake/alertmanager/{key}")
        started = datetime.now(UTC) - timedelta(seconds=5)
        alert = {
            "labels": {"alertname": "ReaderDown", "severity": "critical", "instance": "reader-1",
                       "app": "reader"},
            "annotations": {"summary": "Reader returns 503 for every request"},
            "generatorURL": "http://prometheus.example/graph?g0.expr=up%3D%3D0",
            "startsAt": started.isoformat(),
        }
        assert httpx.post(f"{am}/api/v2/alerts", json=[alert], timeout=10).status_code == 200

        opened = wait_for("an onwatch incident", incident, log)
        assert (opened.status, opened.severity, opened.title) == (
            "triggered", "sev1", "Reader returns 503 for every request")
        with db.read() as session:
            stored = session.scalars(select(Alert)).one()
        assert stored.labels["alertname"] == "ReaderDown"
        assert stored.generator_url == alert["generatorURL"]
        assert stored.details["receiver"] == "onwatch"

        ended = {**alert, "endsAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()}
        assert httpx.post(f"{am}/api/v2/alerts", json=[ended], timeout=10).status_code == 200

        def resolved() -> Incident | None:
            found = incident()
            return found if found is not None and found.status == "resolved" else None

        done = wait_for("the incident to resolve", resolved, log)
    with db.read() as session:
        stored = session.scalars(select(Alert)).one()
    assert (done.id, stored.status, stored.incident_id) == (opened.id, "resolved", opened.id)
