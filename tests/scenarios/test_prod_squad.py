"""Seed playbook 003: "ping the tech lead for the team responsible for the error" — the
responsibility table app → team → tech lead, and the people to ping at once when an error may
corrupt data."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scenarios.conftest import Ask

TABLE = [
    ("document-viewer", "heron", "beatriz"),
    ("case-intake", "kestrel", "oskar"),
    ("case-intake-v2", "kestrel", "oskar"),
    ("records-archive", "kestrel", "oskar"),
    ("docket-router", "osprey", "fatima"),
    ("review-scheduler", "osprey", "fatima"),
]


@pytest.mark.parametrize(("app", "team", "tech_lead"), TABLE)
def test_an_error_in_an_app_goes_to_its_team_and_tech_lead(
    example: Callable[[str], Ask], app: str, team: str, tech_lead: str
) -> None:
    ask = example("003-prod-squad.yaml")
    owner = ask(f"/services/{app}/responsibility")
    assert (owner["team"], owner["tech_lead"], owner["tech_lead_from"]) == (
        team,
        tech_lead,
        "service",
    )


def test_the_table_has_six_apps_and_three_teams(example: Callable[[str], Ask]) -> None:
    ask = example("003-prod-squad.yaml")
    services = ask("/services")
    assert sorted(s["name"] for s in services) == sorted(app for app, _, _ in TABLE)
    assert len({s["team"] for s in services}) == 3


def test_data_corrupting_errors_also_reach_devops_project_lead_and_product_support(
    example: Callable[[str], Ask],
) -> None:
    ask = example("003-prod-squad.yaml")
    roles = {
        r["role"]: (r["person"], r["backup"])
        for team in ("casework-ops", "product-support")
        for r in [
            {"role": name, **holder} for name, holder in ask(f"/teams/{team}")["roles"].items()
        ]
    }
    assert roles == {
        "devops_lead": ("jonah", "mei"),
        "project_tech_lead": ("mei", "jonah"),
        "product_support": ("rosa", "ivo"),
    }


def test_every_engineer_takes_turns_on_prod_squad(example: Callable[[str], Ask]) -> None:
    ask = example("003-prod-squad.yaml")
    squad = set(ask("/teams/prod-squad")["members"])
    for team in ("heron", "kestrel", "osprey"):
        assert set(ask(f"/teams/{team}")["members"]) <= squad
