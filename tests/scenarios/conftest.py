"""A scenario starts from one example file applied with `onwatch apply`, then asks the HTTP API
what a responder following that team's playbook would ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.core.db import Database
from tests.conftest import bearer
from tests.scenarios.paging import EXAMPLES, mailer

__all__ = ["mailer"]  # a fixture for every scenario


Ask = Callable[[str], Any]


@pytest.fixture
def example(db: Database, client: TestClient, tokens: dict[str, str]) -> Callable[[str], Ask]:
    """example("003-prod-squad.yaml") applies that file and returns ask(path) → JSON, which
    reads the API with a viewer token."""

    def load(name: str) -> Ask:
        result = CliRunner().invoke(
            cli, ["apply", "-f", str(EXAMPLES / name)], env={"ONWATCH_DATABASE_URL": db.url}
        )
        assert result.exit_code == 0, result.output

        def ask(path: str) -> Any:
            response = client.get(f"/api/v1{path}", headers=bearer(tokens["viewer"]))
            assert response.status_code == 200, response.text
            return response.json()

        return ask

    return load
