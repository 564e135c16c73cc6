from __future__ import annotations

import pytest
from pydantic import ValidationError

from onwatch.alerts.routing import RouteSpec, RoutingSpec, matching_route, service_for

# Seed 003: one Alertmanager integration for all of Caseflow, errors routed by app.
CASEFLOW = RoutingSpec.model_validate(
    {
        "routes": [
            {"match": ["app=reader"], "service": "reader"},
            {"match": ['app=~"certification|certification-v2|efolder"'], "service": "foxtrot"},
            {"match": {"app": "dispatch"}, "service": "tango"},
            {"match": ['app="hearings-prep"', 'env!="dev"'], "service": "tango"},
        ]
    }
).compiled()


def test_app_reader_routes_to_service_reader():
    assert service_for({"app": "reader", "env": "prod"}, CASEFLOW, "caseflow") == "reader"


def test_regex_rule_routes_every_app_it_names():
    assert service_for({"app": "efolder"}, CASEFLOW, "caseflow") == "foxtrot"
    assert service_for({"app": "certification-v2"}, CASEFLOW, "caseflow") == "foxtrot"


def test_mapping_rule_means_equality():
    assert service_for({"app": "dispatch"}, CASEFLOW, "caseflow") == "tango"


def test_every_matcher_of_a_rule_must_match():
    assert service_for({"app": "hearings-prep", "env": "dev"}, CASEFLOW, "caseflow") == "caseflow"
    assert service_for({"app": "hearings-prep", "env": "prod"}, CASEFLOW, "caseflow") == "tango"


def test_unmatched_event_falls_back_to_the_integrations_service():
    assert service_for({"app": "unknown"}, CASEFLOW, "caseflow") == "caseflow"
    assert service_for({}, (), "caseflow") == "caseflow"


def test_first_matching_rule_wins():
    routes = RoutingSpec.model_validate(
        {
            "routes": [
                {"match": ['app=~"read.*"'], "service": "first"},
                {"match": ["app=reader"], "service": "second"},
            ]
        }
    ).compiled()

    assert service_for({"app": "reader"}, routes, "fallback") == "first"
    assert matching_route({"app": "reader"}, routes) is routes[0]


def test_rule_with_empty_match_catches_everything():
    routes = (RouteSpec(service="catch-all").route(),)

    assert service_for({"app": "anything"}, routes, "fallback") == "catch-all"


def test_rule_with_bad_regex_is_rejected_when_the_config_is_read():
    with pytest.raises(ValidationError) as caught:
        RouteSpec.model_validate({"match": ["app=reader", 'env=~"(prod"'], "service": "x"})

    assert "match[1]: invalid regular expression '(prod'" in str(caught.value)


def test_rule_without_service_or_with_unknown_field_is_rejected():
    with pytest.raises(ValidationError) as caught:
        RoutingSpec.model_validate({"routes": [{"match": ["app=reader"], "team": "whiskey"}]})

    locations = {tuple(error["loc"]) for error in caught.value.errors()}
    assert locations == {("routes", 0, "service"), ("routes", 0, "team")}
