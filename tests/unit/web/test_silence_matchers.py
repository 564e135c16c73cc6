""" "Silence this" on an incident: matchers for the labels all its alerts share, which the
silences form parses back to the same matchers."""

from __future__ import annotations

from onwatch.alerts.matchers import matchers_from_specs
from onwatch.web.pages.incident_view import silence_matchers, silence_url


def test_the_service_and_the_labels_every_alert_shares_each_matched_exactly() -> None:
    labels = [
        {"app": "reader", "env": "prod", "alertname": "DiskFull", "service": "ignored"},
        {"app": "reader", "env": "prod", "alertname": "InodesLow"},
    ]
    assert silence_matchers("reader", labels) == ['service="reader"', 'app="reader"', 'env="prod"']


def test_odd_label_names_and_values_survive_the_round_trip() -> None:
    labels = [{"odd name=x": 'say "hi"', "path": "/a\\b"}]
    texts = silence_matchers("reader", labels)
    parsed = matchers_from_specs(list(texts), "matchers")
    assert [(m.name, m.op, m.value) for m in parsed] == [
        ("service", "=", "reader"),
        ("odd name=x", "=", 'say "hi"'),
        ("path", "=", "/a\\b"),
    ]


def test_the_url_carries_one_matcher_parameter_per_line() -> None:
    assert silence_url(['service="r"', 'a="b"']) == (
        "/silences?matcher=service%3D%22r%22&matcher=a%3D%22b%22"
    )
