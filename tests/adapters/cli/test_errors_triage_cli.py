"""`onwatch errors triage ID IMPACT [--json]`: the impact set and shown, an urgent one opening the
issue's incident; a bad impact or an unknown issue is refused with the field or the id named."""

from __future__ import annotations

import json

from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.cli.test_errors_cli import _receive, dsn

__all__ = ["dsn"]  # the fixture


def test_triage_sets_the_impact_and_an_urgent_one_opens_the_incident(
    onwatch: Onwatch,
    db: Database,
    dsn: dict,  # type: ignore[type-arg]
) -> None:
    _receive(db, dsn, 1)
    [issue] = json.loads(onwatch("errors", "list", "--json").stdout)["items"]
    noise = onwatch("errors", "triage", str(issue["id"]), "noise", "--fix-in-code", "--json")
    assert noise.exit_code == 0, noise.output
    assert (json.loads(noise.stdout)["impact"], json.loads(noise.stdout)["fix_in_code"]) == (
        "noise",
        True,
    )
    urgent = onwatch("errors", "triage", str(issue["id"]), "work-stopping")
    assert urgent.exit_code == 0, urgent.output
    assert "impact:" in urgent.stdout and "work_stopping" in urgent.stdout
    assert "incident_id:" in urgent.stdout
    refused = onwatch("errors", "triage", str(issue["id"]), "scary")
    assert refused.exit_code != 0 and "impact" in refused.output
    missing = onwatch("errors", "triage", "999", "noise")
    assert missing.exit_code != 0 and "999" in missing.output
