"""Seed playbook 000: a product team whose app rests on a framework another organisation runs.
An error in the API goes to the team and its tech lead; the framework is theirs to fix, so the
responder escalates upstream (with the evidence bundle of the runbook) rather than paging us."""

from __future__ import annotations

from collections.abc import Callable

from tests.scenarios.conftest import Ask


def test_api_errors_go_to_the_appointments_team_and_its_tech_lead(
    example: Callable[[str], Ask],
) -> None:
    ask = example("000-appointments.yaml")
    owner = ask("/services/booking-api/responsibility")
    assert owner["controlled"] is True
    assert (owner["team"], owner["tech_lead"], owner["tech_lead_from"]) == (
        "appointments",
        "ines",
        "team",
    )
    assert owner["depends_on"] == ["clinic-scheduling-framework", "web-platform"]
    assert owner["dependents"] == ["booking-web"]
    titles = [r["title"] for r in owner["runbooks"]]
    assert "Escalate to the scheduling framework (3+ sample errors, totals, unique IPs)" in titles


def test_the_upstream_framework_is_not_ours_and_breaks_the_api(
    example: Callable[[str], Ask],
) -> None:
    ask = example("000-appointments.yaml")
    framework = ask("/services/clinic-scheduling-framework/responsibility")
    assert framework["controlled"] is False
    assert framework["team"] is None
    assert framework["dependents"] == ["booking-api"]


def test_security_concerns_go_to_the_platform_teams_security_contact(
    example: Callable[[str], Ask],
) -> None:
    ask = example("000-appointments.yaml")
    platform = ask("/services/web-platform/responsibility")
    assert platform["controlled"] is False
    assert platform["roles"] == [{"role": "security_contact", "person": "rosalind", "backup": None}]
