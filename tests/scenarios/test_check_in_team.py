"""Seed playbook 002: the product manager owns stakeholder communication for every check-in
app and names a backup when out of office."""

from __future__ import annotations

from collections.abc import Callable

from tests.scenarios.conftest import Ask


def test_each_check_in_app_names_the_product_manager_and_their_backup(
    example: Callable[[str], Ask],
) -> None:
    ask = example("002-check-in.yaml")
    for app in ("arrival-kiosk", "pre-visit-forms", "arrival-api"):
        owner = ask(f"/services/{app}/responsibility")
        assert owner["team"] == "patient-arrival"
        assert owner["tech_lead"] == "dmitri"
        roles = {r["role"]: (r["person"], r["backup"]) for r in owner["roles"]}
        assert roles["product_manager"] == ("noor", "felix")
        assert roles["delivery_manager"] == ("felix", "noor")


def test_an_outage_of_the_schedule_records_reaches_both_front_ends(
    example: Callable[[str], Ask],
) -> None:
    ask = example("002-check-in.yaml")
    records = ask("/services/clinic-schedule-records/responsibility")
    assert records["controlled"] is False
    assert records["dependents"] == ["arrival-api"]
    assert ask("/services/arrival-api/responsibility")["dependents"] == [
        "arrival-kiosk",
        "pre-visit-forms",
    ]
