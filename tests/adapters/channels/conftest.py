"""Fixtures for the channel senders: the HTTP client the engine gives them, and the senders."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from onwatch.channels import registry
from onwatch.channels.base import Sender
from onwatch.core.settings import Settings


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with registry.http_client(timeout=5.0) as client:
        yield client


@pytest.fixture
def senders(http: httpx.Client, tmp_path) -> dict[str, Sender]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, base_url="https://onwatch.example.org")
    return registry.senders(settings, http)
