"""Seed playbook 004: a platform team hosts partner teams' services. An incident in a partner
service goes to that partner team; one in the platform reaches every partner that relies on it;
the release captain (with a backup) runs deploys."""

from __future__ import annotations

from collections.abc import Callable

from tests.scenarios.conftest import Ask


def test_a_partner_service_belongs_to_its_partner_team(example: Callable[[str], Ask]) -> None:
    ask = example("004-platform-rotation.yaml")
    worker = ask("/services/evidence-summary-worker/responsibility")
    assert (worker["team"], worker["tech_lead"], worker["tech_lead_from"]) == (
        "evidence-summary",
        "olu",
        "team",
    )
    assert worker["depends_on"] == ["relay-api", "relay-queue", "relay-db"]


def test_a_platform_outage_shows_which_partner_services_it_hits(
    example: Callable[[str], Ask],
) -> None:
    ask = example("004-platform-rotation.yaml")
    queue = ask("/services/relay-queue/responsibility")
    assert (queue["team"], queue["tech_lead"]) == ("relay-platform", "zainab")
    assert queue["dependents"] == [
        "claim-insights-worker",
        "contention-classifier-worker",
        "evidence-summary-worker",
    ]
    hosting = ask("/services/cloud-hosting/responsibility")
    assert hosting["controlled"] is False
    assert hosting["dependents"] == ["relay-api", "relay-db", "relay-queue"]


def test_the_platform_names_a_release_captain_with_a_backup(
    example: Callable[[str], Ask],
) -> None:
    ask = example("004-platform-rotation.yaml")
    roles = {
        r["role"]: (r["person"], r["backup"])
        for r in ask("/services/secure-release-pipeline/responsibility")["roles"]
    }
    assert roles["release_captain"] == ("camille", "piotr")


def test_there_are_partner_teams_beside_the_platform(example: Callable[[str], Ask]) -> None:
    ask = example("004-platform-rotation.yaml")
    teams = {t["name"] for t in ask("/teams")}
    assert {
        "relay-platform",
        "claim-insights",
        "evidence-summary",
        "contention-classifier",
    } <= teams
