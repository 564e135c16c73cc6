"""Fixtures for the adapters: a service with one integration key per wire format."""

from __future__ import annotations

import pytest

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.integrations.keys import create_integration
from onwatch.integrations.models import KINDS
from tests.adapters.intake.stored import Keys


@pytest.fixture
def keys(db: Database, clock: FakeClock) -> Keys:
    """Service `reader` with one integration per wire format: {"pagerduty": key, …}."""
    with db.transaction() as session:
        put_service(session, ServiceSpec(name="reader"), actor="test", now=clock.now())
        return {
            kind: create_integration(
                session,
                name=f"reader-{kind}",
                service="reader",
                kind=kind,
                actor="test",
                now=clock.now(),
            ).key
            for kind in KINDS
        }
