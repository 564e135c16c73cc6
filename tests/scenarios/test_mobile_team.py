"""Seed playbook 001: a mobile team escalates to a leadership roles table (product owner,
engineering lead, product lead, system owner), each role with a backup, and tells incidents it
controls (its app) from outages of the upstream services on its map."""

from __future__ import annotations

from collections.abc import Callable

from tests.scenarios.conftest import Ask


def test_the_app_answers_with_every_leadership_role_and_its_backup(
    example: Callable[[str], Ask],
) -> None:
    ask = example("001-mobile.yaml")
    app = ask("/services/mobile-app/responsibility")
    assert app["controlled"] is True
    assert app["team"] == "mobile-app"
    roles = {r["role"]: (r["person"], r["backup"]) for r in app["roles"]}
    assert roles == {
        "product_owner": ("marisol", "siobhan"),
        "engineering_lead": ("henrik", "lena"),
        "product_lead": ("adaeze", "siobhan"),
        "system_owner": ("yusuf", "henrik"),
        "incident_commander": ("lena", "henrik"),
    }
    people = {p["handle"]: p for p in ask("/people")}
    assert people["marisol"]["name"] == "Marisol Quintero"


def test_an_upstream_outage_is_not_ours_and_the_map_shows_what_it_breaks(
    example: Callable[[str], Ask],
) -> None:
    ask = example("001-mobile.yaml")
    records = ask("/services/health-records/responsibility")
    assert records["controlled"] is False
    assert records["dependents"] == ["mobile-api", "prescriptions"]
    api = ask("/services/mobile-api/responsibility")
    assert api["controlled"] is False
    assert (api["team"], api["tech_lead"]) == ("api-platform", "gwen")
    assert api["dependents"] == ["mobile-app"]
    assert sorted(api["depends_on"]) == [
        "claims-status",
        "health-records",
        "letters",
        "payment-history",
        "prescriptions",
        "sign-in",
    ]


def test_every_upstream_service_on_the_map_is_marked_not_controlled(
    example: Callable[[str], Ask],
) -> None:
    ask = example("001-mobile.yaml")
    controlled = {s["name"]: s.get("controlled", True) for s in ask("/services")}
    assert [name for name, ours in controlled.items() if ours] == ["mobile-app"]
