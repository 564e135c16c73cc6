"""End-to-end paging for the playbook scenarios: an example file applied with `onwatch apply`
(its integration keys read from what it prints), alerts sent through the real HTTP intake, an
engine built as `onwatch engine` builds it (real senders, an SMTP server behind STARTTLS and a
login), a fake clock moved to each instant, and what arrives at the receivers.

Every receiver fails the test at teardown on a message nobody took; `quiet(...)` checks the same
in the middle of a scenario, so "nothing before its time" is asserted at each instant."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.settings import Settings
from onwatch.directory.models import Service
from onwatch.engine.assembly import build_engine
from onwatch.engine.loop import Engine
from onwatch.incidents.models import Incident
from tests.receivers import HttpReceiver, Mail, SmtpReceiver

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE = "http://testserver"  # the app under TestClient: links in messages are opened there
LOGIN = ("onwatch-pager", "scenario-Pa55word")
SMTP_PASSWORD = "SCENARIO_SMTP_PASSWORD"


def apply_example(db: Database, name: str) -> dict[str, str]:
    """Apply examples/`name` as `onwatch apply -f` does; the integration keys it printed."""
    result = CliRunner().invoke(
        cli, ["apply", "-f", str(EXAMPLES / name)], env={"ONWATCH_DATABASE_URL": db.url}
    )
    assert result.exit_code == 0, result.output
    assert "is not set in this environment" not in result.output, result.output
    found = re.findall(r"\+ integration (\S+)\n\s+key \(shown once\): (\S+)", result.output)
    return dict(found)


def alert(client: TestClient, key: str, summary: str, severity: str = "error") -> None:
    """A monitor's alert through the generic intake, as `curl` in docs/integrations.md sends."""
    answer = client.post(
        f"/api/v1/intake/generic/{key}", json={"summary": summary, "severity": severity}
    )
    assert answer.status_code < 300, answer.text


def incident_of(db: Database, service: str) -> int:
    with db.read() as session:
        [found] = session.scalars(
            select(Incident.id).join(Service, Service.id == Incident.service_id)
            .where(Service.name == service)
        ).all()  # fmt: skip
        return found


@dataclass
class Mailer:
    """An SMTP server that requires STARTTLS (a certificate from a test CA) and a login."""

    receiver: SmtpReceiver
    ca_file: Path

    def take(self, count: int) -> list[Mail]:
        mails = self.receiver.take(count)
        assert all(m.tls and m.authenticated_as == LOGIN[0] for m in mails)
        return mails


@pytest.fixture
def mailer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailer]:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv(SMTP_PASSWORD, LOGIN[1])
    receiver = SmtpReceiver(tls_context=context, login=LOGIN)
    try:
        yield Mailer(receiver, ca_file)
    finally:
        receiver.close()
    receiver.assert_silent()


class Pager:
    """The engine with settings and real senders, ticked at instants of a fake clock."""

    def __init__(
        self, db: Database, clock: FakeClock, settings: Settings, mailer: Mailer | None = None
    ) -> None:
        changes: dict[str, Any] = {"base_url": BASE}
        if mailer is not None:
            changes.update(
                smtp_host=mailer.receiver.host, smtp_port=mailer.receiver.port,
                smtp_security="starttls", smtp_username=LOGIN[0],
                smtp_password=f"env:{SMTP_PASSWORD}", smtp_ca_file=str(mailer.ca_file),
                smtp_from="onwatch <pager@example.org>",
            )  # fmt: skip
        # Hand-off notices are left out: a scenario is about one incident's pages.
        self.engine: Engine = build_engine(
            db, clock, settings.model_copy(update=changes), handoff_notice=None
        )
        self.clock = clock

    def at(self, instant: datetime) -> None:
        """Move the clock to `instant` and tick once; every step must succeed."""
        self.clock.set(instant)
        result = self.engine.tick()
        assert result.failed == {}, result.failed


def quiet(*receivers: HttpReceiver | SmtpReceiver | Mailer) -> None:
    """Nothing arrived beyond what the test took."""
    for receiver in receivers:
        (receiver.receiver if isinstance(receiver, Mailer) else receiver).assert_silent()


def ack_link(text: str) -> str:
    """The path of the first signed acknowledge link in a message."""
    found = re.search(re.escape(BASE) + r"(/l/ack/[A-Za-z0-9._~%-]+)", text)
    assert found is not None, text
    return found.group(1)


def press(client: TestClient, path: str) -> None:
    """Open a signed link's page (which changes nothing) and press its button (a POST)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    confirm = re.search(r'name="confirm" value="([^"]+)"', page.text)
    assert confirm is not None, page.text
    answer = client.post(path, data={"confirm": confirm.group(1)})
    assert answer.status_code == 200, answer.text
