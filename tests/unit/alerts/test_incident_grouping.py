from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from onwatch.alerts.grouping import Grouping, GroupingSpec, grouping_for, should_join

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LABELS = {"alertname": "HighErrorRate", "env": "prod", "instance": "reader-1"}


def test_service_mode_puts_every_alert_of_the_service_in_one_group():
    spec = GroupingSpec()

    assert grouping_for(LABELS, spec) == Grouping("service", None)
    assert grouping_for({}, spec) == grouping_for(LABELS, spec)


def test_labels_mode_groups_by_the_values_of_the_named_labels():
    spec = GroupingSpec(mode="labels", labels=["env", "alertname"])

    key = grouping_for(LABELS, spec).key

    assert key == 'labels:[["alertname","HighErrorRate"],["env","prod"]]'
    assert grouping_for({**LABELS, "instance": "reader-2"}, spec).key == key
    assert grouping_for({**LABELS, "env": "staging"}, spec).key != key


def test_labels_mode_treats_a_missing_label_as_empty():
    spec = GroupingSpec(mode="labels", labels=["team"])

    assert grouping_for({}, spec).key == grouping_for({"team": ""}, spec).key


def test_labels_mode_key_does_not_depend_on_label_order_in_config():
    one = GroupingSpec(mode="labels", labels=["env", "alertname"])
    other = GroupingSpec(mode="labels", labels=["alertname", "env"])

    assert grouping_for(LABELS, one) == grouping_for(LABELS, other)


def test_very_long_label_values_give_a_hashed_key_of_bounded_length():
    spec = GroupingSpec(mode="labels", labels=["message"])

    key = grouping_for({"message": "x" * 1000}, spec).key

    assert key.startswith("labels#")
    assert len(key) <= 255
    assert grouping_for({"message": "x" * 999 + "y"}, spec).key != key


def test_time_window_mode_joins_an_incident_opened_less_than_the_window_ago():
    grouping = grouping_for(
        LABELS, GroupingSpec.model_validate({"mode": "time_window", "window": "30m"})
    )

    assert grouping == Grouping("service", timedelta(minutes=30))
    assert should_join(NOW - timedelta(minutes=29, seconds=59), grouping, NOW)
    assert not should_join(NOW - timedelta(minutes=30), grouping, NOW)


def test_without_a_window_an_alert_joins_however_old_the_incident_is():
    assert should_join(NOW - timedelta(days=30), Grouping("service"), NOW)


def test_labels_mode_may_also_have_a_window():
    spec = GroupingSpec.model_validate({"mode": "labels", "labels": ["env"], "window": "1h"})

    assert grouping_for(LABELS, spec).window == timedelta(hours=1)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"mode": "labels"}, "mode labels needs `labels`"),
        ({"mode": "service", "labels": ["env"]}, "`labels` applies to mode labels only"),
        ({"mode": "time_window"}, "mode time_window needs `window`"),
        ({"mode": "time_window", "window": "0s"}, "window must be longer than zero"),
        ({"mode": "by_host"}, "Input should be 'service', 'labels' or 'time_window'"),
        ({"mode": "service", "windw": "5m"}, "Extra inputs are not permitted"),
    ],
)
def test_grouping_config_that_does_not_fit_its_mode_is_rejected(config: dict, message: str):
    with pytest.raises(ValidationError, match=message):
        GroupingSpec.model_validate(config)
