"""`onwatch policies list|show NAME` on an applied example: every policy with its services, one
policy step by step with whom each target reaches now, JSON for scripts, and an unknown name is
a sentence with exit code 4."""

from __future__ import annotations

import json

from tests.adapters.cli.conftest import EXAMPLES, Onwatch


def test_policies_list_and_show(onwatch: Onwatch) -> None:
    assert onwatch("apply", "-f", str(EXAMPLES / "002-check-in.yaml")).exit_code == 0
    listed = onwatch("policies", "list")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "NAME             STEPS  REPEAT  ACK TIMEOUT  SERVICES",
        "check-in-paging  3      0       -            arrival-api, arrival-kiosk",
    ]
    shown = onwatch("policies", "show", "check-in-paging")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "check-in-paging: used by arrival-api, arrival-kiosk"
    assert lines[3].split()[:3] == ["1", "ack_deadline", "schedule"]
    assert lines[-1].split() == [
        "3",
        "30m",
        "team",
        "patient-arrival/tech_lead",
        "Dmitri",
        "Volkov",
    ]
    as_json = json.loads(onwatch("policies", "show", "check-in-paging", "--json").stdout)
    assert [s["delay"] for s in as_json["steps"]] == ["ack_deadline", "ack_deadline", "30m"]
    items = json.loads(onwatch("policies", "list", "--json").stdout)["items"]
    assert [p["name"] for p in items] == ["check-in-paging"]


def test_an_unknown_policy_is_a_sentence_and_exit_code_4(onwatch: Onwatch) -> None:
    result = onwatch("policies", "show", "nope")
    assert result.exit_code == 4
    assert result.stderr == "error: no escalation policy 'nope'\n"
