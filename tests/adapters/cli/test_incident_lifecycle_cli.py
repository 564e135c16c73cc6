"""`onwatch incidents mitigate|close|reopen|merge|severity` and the list's filters from the
shell: each prints a sentence or --json, lands on the timeline with the source `cli`, and a
refused move exits 5 with the lifecycle's sentence, a bad value 3 naming it."""

from __future__ import annotations

import json

from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch
from tests.adapters.cli.test_alerts_incidents_cli import stored  # noqa: F401  (a fixture)


def test_mitigate_resolve_close_and_reopen_from_the_shell(
    onwatch: Onwatch,
    stored: None,  # noqa: F811
) -> None:
    listed = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    open_id, resolved_id = listed[0]["id"], listed[1]["id"]

    early = onwatch("incidents", "close", str(open_id))
    assert (early.exit_code, early.stderr.strip()) == (
        5,
        f"error: incident {open_id} is triggered, so it cannot be closed (only a resolved one "
        "can); it can be acknowledged, mitigated or resolved",
    )
    mitigated = onwatch("incidents", "mitigate", str(open_id))
    assert (mitigated.exit_code, mitigated.stdout.strip()) == (0, f"incident {open_id} mitigated")
    assert (
        json.loads(onwatch("incidents", "mitigate", str(open_id), "--json").stdout)["changed"]
        is False
    )
    assert onwatch("incidents", "resolve", str(open_id)).exit_code == 0
    # It lasted from the stored past until now: the post-mortem rules require one.
    refused = onwatch("incidents", "close", str(open_id))
    assert refused.exit_code == 5 and "it lasted longer than 4h" in refused.stderr
    blank = onwatch("incidents", "waive", str(open_id), "--reason", " ")
    assert (blank.exit_code, blank.stderr.strip()) == (
        3,
        "error: reason: say why the post-mortem is waived",
    )
    waived = onwatch("incidents", "waive", str(open_id), "--reason", "A test run", "--json")
    closed = json.loads(waived.stdout)
    assert closed["incident"]["status"] == "closed"
    assert closed["incident"]["postmortem_waiver"] == "A test run"
    again = onwatch("incidents", "waive", str(open_id), "--reason", "A test run")
    assert again.stdout.strip() == f"incident {open_id} closed (no change)"
    assert onwatch("incidents", "close", str(resolved_id)).stdout.strip() == (
        f"incident {resolved_id} closed"
    )
    late = onwatch("incidents", "ack", str(open_id))
    assert late.exit_code == 5 and late.stderr.strip().endswith("it can be reopened")
    reopened = json.loads(onwatch("incidents", "reopen", str(open_id), "--json").stdout)
    assert reopened["incident"]["status"] == "acknowledged"

    shown = json.loads(onwatch("incidents", "show", str(open_id), "--json").stdout)
    moves = [(e["kind"], e["source"]) for e in shown["timeline"] if e["actor"].startswith("cli:")]
    assert moves == [
        ("mitigated", "cli"),
        ("resolved", "cli"),
        ("postmortem_required", "cli"),
        ("postmortem", "cli"),
        ("closed", "cli"),
        ("reopened", "cli"),
    ]
    assert shown["numbers"]["time_to_acknowledge_seconds"] is not None
    text = onwatch("incidents", "show", str(open_id)).stdout
    assert "numbers: to acknowledge" in text and " cli " in text


def test_severity_priority_filters_and_merge_from_the_shell(
    onwatch: Onwatch,
    stored: None,  # noqa: F811
    db: Database,
) -> None:
    listed = json.loads(onwatch("incidents", "list", "--json").stdout)["items"]
    open_id, resolved_id = listed[0]["id"], listed[1]["id"]
    changed = onwatch("incidents", "severity", str(open_id), "sev1", "--priority", "p2")
    assert changed.stdout.strip() == f"incident {open_id}: sev1 (Critical), priority p2"
    bad = onwatch("incidents", "severity", str(open_id), "sev7")
    assert (bad.exit_code, bad.stderr.strip()) == (
        3,
        "error: severity: must be one of sev1, sev2, sev3, sev4",
    )
    nothing = onwatch("incidents", "severity", str(open_id))
    assert nothing.exit_code == 3

    def ids(*options: str) -> list[int]:
        found = onwatch("incidents", "list", *options, "--json")
        assert found.exit_code == 0, found.stderr
        return [i["id"] for i in json.loads(found.stdout)["items"]]

    assert ids("--severity", "sev1") == [open_id]
    assert ids("--priority", "p2") == [open_id]
    assert ids("--status", "done") == [resolved_id]
    assert ids("--text", "disk") == [open_id]
    wrong = onwatch("incidents", "list", "--since", "yesterday")
    assert (wrong.exit_code, wrong.stderr.strip()) == (
        3,
        "error: --since: not an ISO 8601 instant: 'yesterday'",
    )
    table = onwatch("incidents", "list").stdout
    assert "sev1 Critical" in table and "p2" in table

    itself = onwatch("incidents", "merge", str(open_id), "--into", str(open_id))
    assert (itself.exit_code, itself.stderr.strip()) == (
        3,
        "error: into: an incident cannot be a duplicate of itself",
    )
    merged = onwatch("incidents", "merge", str(resolved_id), "--into", str(open_id))
    assert merged.stdout.strip() == (
        f"incident {resolved_id} is a duplicate of incident {open_id} (0 open alerts moved)"
    )
    cycle = onwatch("incidents", "merge", str(open_id), "--into", str(resolved_id), "--json")
    assert cycle.exit_code == 5 and "cycle" in cycle.stderr
