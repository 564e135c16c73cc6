"""`onwatch errors merge|ticket|triage --silence|list --sort impact` as an operator types them,
each with --json; an unknown issue to merge fails."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.errors.test_error_issue_actions import (
    TOKEN,
    by_function,
    send,
    tracked_project,
)


def test_the_cli_merges_tickets_and_triages_noise_with_a_silence(
    db: Database, clock: FakeClock, client: TestClient, onwatch: Onwatch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ACME_TRACKER_TOKEN", TOKEN)
    project = tracked_project(db, clock, "https://tracker.example.org/api/v3")
    for function in ("pay", "cart"):
        send(client, project, function)
    found = by_function(db)
    merged = onwatch("errors", "merge", str(found["pay"]), str(found["cart"]), "--json")
    assert merged.exit_code == 0, merged.output
    assert json.loads(merged.stdout)["merged_from"] == [found["cart"]]
    assert onwatch("errors", "merge", str(found["pay"]), "999999").exit_code != 0
    plain = onwatch("errors", "show", str(found["pay"]))
    assert f"merged from #{found['cart']}" in plain.stdout

    ticketed = onwatch("errors", "ticket", str(found["pay"]), "--json")
    assert ticketed.exit_code == 0, ticketed.output
    assert [t["state"] for t in json.loads(ticketed.stdout)["tickets"]] == ["opening"]
    again = onwatch("errors", "ticket", str(found["pay"]), "--json")
    assert len(json.loads(again.stdout)["tickets"]) == 1

    triaged = onwatch(
        "errors", "triage", str(found["pay"]), "noise", "--silence", "--events", "10", "--json"
    )
    assert triaged.exit_code == 0, triaged.output
    view = json.loads(triaged.stdout)
    assert (view["impact"], view["status"], view["silence"]["events"]) == ("noise", "silenced", 10)
    listed = onwatch("errors", "list", "--sort", "impact", "--status", "silenced", "--json")
    assert [i["id"] for i in json.loads(listed.stdout)["items"]] == [found["pay"]]
