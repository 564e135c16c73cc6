"""Fixtures for error intake: a service with a DSN key, onwatch on a real uvicorn that records the
Content-Encoding of what it was sent, and the real sentry_sdk pointed at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import sentry_sdk
import uvicorn
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.errors import keys
from onwatch.errors.models import ErrorEvent, ErrorIngestion, ErrorIssue, ErrorSample
from onwatch.web.app import create_app
from onwatch.web.context import AppContext
from tests.adapters.intake.loopback import _Server, free_port


@dataclass(frozen=True)
class Project:
    service: str
    project_id: int
    public_key: str


def add_project(db: Database, clock: FakeClock, service: str) -> Project:
    with db.transaction() as session:
        put_service(session, ServiceSpec(name=service), actor="test", now=clock.now())
        key = keys.create_key(session, service=service, actor="test", now=clock.now())
        return Project(service, key.service_id, key.public_key)


@pytest.fixture
def project(db: Database, clock: FakeClock) -> Project:
    return add_project(db, clock, "checkout")


@dataclass
class Recorder:
    """Wraps the real app and notes each request's path and Content-Encoding."""

    app: Any
    seen: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            self.seen.append((scope["path"], headers.get(b"content-encoding", b"").decode()))
        await self.app(scope, receive, send)


@contextmanager
def serving_recorded(ctx: AppContext) -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(create_app(ctx))
    port = free_port()
    server = _Server(uvicorn.Config(recorder, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="onwatch-errors-server", daemon=True)
    thread.start()
    try:
        if not server.ready.wait(30):
            raise RuntimeError("uvicorn did not start within 30 s")
        yield f"127.0.0.1:{port}", recorder
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def served(ctx: AppContext) -> Iterator[tuple[str, Recorder]]:
    with serving_recorded(ctx) as found:
        yield found


@contextmanager
def sdk(dsn: str, **options: Any) -> Iterator[sentry_sdk.Scope]:
    """A fresh client of the real SDK on a fresh scope; flushed and closed when the block ends."""
    client = sentry_sdk.Client(
        dsn=dsn,
        default_integrations=False,
        auto_enabling_integrations=False,
        release=options.pop("release", "checkout@1.4.0"),
        environment="production",
        **options,
    )
    try:
        with sentry_sdk.isolation_scope() as isolation, sentry_sdk.new_scope() as scope:
            isolation.set_client(client)
            scope.set_client(client)
            yield scope
            client.flush(timeout=10)
    finally:
        client.close(timeout=10)


def dsn_of(project: Project, host: str) -> str:
    return keys.dsn(f"http://{host}", project.public_key, project.project_id)


def stored(db: Database) -> tuple[int, int, int]:
    """(issues, events, samples): nothing stored means all zero."""
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ErrorIssue)) or 0,
            session.scalar(select(func.count()).select_from(ErrorEvent)) or 0,
            session.scalar(select(func.count()).select_from(ErrorSample)) or 0,
        )


def issues(db: Database) -> list[ErrorIssue]:
    with db.read() as session:
        return list(session.scalars(select(ErrorIssue).order_by(ErrorIssue.id)))


def ingestion(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {row.item_type: row.count for row in session.scalars(select(ErrorIngestion))}
