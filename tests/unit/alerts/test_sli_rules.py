from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from onwatch.alerts.sli import (
    BreakerRule,
    ErrorRateRule,
    LatencyRule,
    MetricSample,
    RuleState,
    SliRule,
    SliRulesSpec,
    alert_event_for,
    evaluate,
    lookback,
)

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
RULE = TypeAdapter(SliRule)

# Seed 000: latency over 8 s, error rate over a set share of requests, circuit breaker open.
LATENCY = RULE.validate_python({"kind": "latency", "name": "slow", "above": 8, "for": "5m"})
ERRORS = RULE.validate_python(
    {
        "kind": "error_rate",
        "name": "errors",
        "above_percent": 5,
        "min_requests": 100,
        "window": "5m",
        "clear_for": "3m",
    }
)
BREAKER = RULE.validate_python({"kind": "breaker", "name": "breaker"})


def minute(n: int) -> datetime:
    return START + timedelta(minutes=n)


def timeline(rule: SliRule, samples: list[MetricSample]) -> str:
    """The rule evaluated at each sample as the engine would, with the samples so far and the
    state the previous evaluation left: one character a minute, F firing and . quiet."""
    state = None
    marks = []
    for sample in samples:
        now = sample.at
        state = evaluate(rule, [s for s in samples if s.at <= now], now, state)
        marks.append("F" if state.firing else ".")
    return "".join(marks)


def latency(*p95: float | None) -> list[MetricSample]:
    return [MetricSample(at=minute(i), requests=50, p95=v) for i, v in enumerate(p95)]


def traffic(*requests_errors: tuple[int, int]) -> list[MetricSample]:
    return [
        MetricSample(at=minute(i), requests=r, errors=e) for i, (r, e) in enumerate(requests_errors)
    ]


def breaker(*open_: bool) -> list[MetricSample]:
    return [MetricSample(at=minute(i), breaker_open=o) for i, o in enumerate(open_)]


def test_latency_rule_fires_once_p95_stays_over_8_seconds_for_5_minutes():
    assert timeline(LATENCY, latency(9, 9, 9, 9, 9, 9, 9)) == ".....FF"


def test_latency_rule_does_not_fire_when_one_sample_inside_the_5_minutes_is_fine():
    assert timeline(LATENCY, latency(9, 9, 9, 3, 9, 9, 9, 9)) == "........"


def test_latency_rule_state_says_why():
    state = evaluate(LATENCY, latency(9, 9, 9, 9, 9, 9.5), minute(5), None)

    assert state == RuleState(
        True, 9.5, "p95 latency 9.5 s: above 8 s since 2026-03-02T14:00:00Z", minute(5)
    )


def test_latency_rule_pending_says_how_long_it_has_held():
    state = evaluate(LATENCY, latency(9, 9, 9), minute(2), None)

    assert (state.firing, state.reason) == (False, "p95 latency 9 s: above 8 s for 2m of 5m")


def test_latency_rule_does_not_flap_on_a_single_good_sample():
    samples = latency(9, 9, 9, 9, 9, 9, 2, 9, 9)

    assert timeline(LATENCY, samples) == ".....FFFF"


def test_latency_rule_clears_after_5_minutes_fine():
    samples = latency(9, 9, 9, 9, 9, 9, 2, 2, 2, 2, 2, 2)

    assert timeline(LATENCY, samples) == ".....FFFFFF."


def test_latency_rule_with_clear_threshold_stays_firing_between_the_thresholds():
    rule = RULE.validate_python(
        {
            "kind": "latency",
            "name": "slow",
            "above": 8,
            "clear_below": 6,
            "for": "0s",
            "clear_for": "0s",
        }
    )

    assert timeline(rule, latency(9, 7, 7, 5.9, 7)) == "FFF.."


def test_latency_rule_reads_the_percentile_it_names():
    rule = RULE.validate_python(
        {"kind": "latency", "name": "p99", "percentile": "p99", "above": 2, "for": 0}
    )
    samples = [MetricSample(at=minute(0), requests=9, p95=1.0, p99=3.0)]

    assert evaluate(rule, samples, minute(0), None).firing


def test_samples_without_latency_neither_fire_nor_clear():
    fired = evaluate(LATENCY, latency(9, 9, 9, 9, 9, 9), minute(5), None)

    held = evaluate(LATENCY, latency(9, 9, 9, 9, 9, 9, None, None), minute(7), fired)

    assert held.firing and held.value == 9


def test_without_samples_the_previous_state_holds():
    previous = RuleState(True, 9.0, "p95 latency 9 s", minute(0))

    state = evaluate(LATENCY, [], minute(10), previous)

    assert (state.firing, state.value, state.changed_at) == (True, 9.0, minute(0))
    assert evaluate(LATENCY, [], minute(10), None).firing is False


def test_samples_after_now_are_ignored():
    assert not evaluate(LATENCY, latency(9, 9, 9, 9, 9, 9), minute(4), None).firing


def test_samples_may_come_in_any_order():
    assert evaluate(LATENCY, list(reversed(latency(9, 9, 9, 9, 9, 9))), minute(5), None).firing


def test_error_rate_rule_fires_when_errors_exceed_5_percent_of_requests():
    samples = traffic((200, 2), (200, 30))

    assert timeline(ERRORS, samples) == ".F"
    assert evaluate(ERRORS, samples, minute(1), None).value == pytest.approx(8.0)


def test_error_rate_rule_ignores_windows_with_too_few_requests():
    assert timeline(ERRORS, traffic((10, 9), (20, 20), (30, 30))) == "..."


def test_error_rate_counts_only_the_trailing_window():
    # 60 errors at minute 0 leave the 5-minute window at minute 5.
    samples = traffic((100, 60), (100, 0), (100, 0), (100, 0), (100, 0), (100, 0))

    states = [evaluate(ERRORS, samples, minute(i), None) for i in range(6)]

    assert [round(s.value or 0, 1) for s in states] == [60.0, 30.0, 20.0, 15.0, 12.0, 0.0]


def test_error_rate_rule_clears_only_after_3_minutes_below():
    samples = traffic(
        (200, 60), (200, 0), (200, 0), (200, 0), (200, 0), (200, 0), (200, 0), (200, 0), (200, 0)
    )

    # Minute 0's 60 errors keep the 5-minute rate above 5 % up to minute 4 (6 %); the rate is
    # clean from minute 5, and 3 clean minutes later the rule clears.
    assert timeline(ERRORS, samples) == "FFFFFFFF."


def test_breaker_rule_fires_as_soon_as_the_breaker_opens():
    assert timeline(BREAKER, breaker(False, True)) == ".F"
    assert evaluate(BREAKER, breaker(True), minute(0), None).reason.startswith(
        "circuit breaker open: open since"
    )


def test_breaker_rule_does_not_flap_when_the_breaker_half_opens_for_a_minute():
    assert timeline(BREAKER, breaker(True, False, True, True)) == "FFFF"


def test_breaker_rule_clears_after_2_minutes_closed():
    assert timeline(BREAKER, breaker(True, False, False, False)) == "FFF."


def test_rule_that_starts_firing_opens_an_alert_and_clearing_resolves_it():
    previous = RuleState(False, 7.0, "fine")
    firing = evaluate(LATENCY, latency(9, 9, 9, 9, 9, 9), minute(5), previous)

    trigger = alert_event_for(LATENCY, "appointments", previous, firing, minute(5))
    cleared = RuleState(False, 2.0, "clear", minute(20))
    resolve = alert_event_for(LATENCY, "appointments", firing, cleared, minute(20))

    assert trigger is not None and resolve is not None
    assert (trigger.action, trigger.dedup_key, trigger.severity) == (
        "trigger",
        "sli:slow",
        "critical",
    )
    assert trigger.summary.startswith("appointments: slow: p95 latency 9 s: above 8 s")
    assert trigger.labels == {"alertname": "slow", "sli": "latency", "service": "appointments"}
    assert (resolve.action, resolve.dedup_key) == ("resolve", "sli:slow")
    assert alert_event_for(LATENCY, "appointments", firing, firing, minute(6)) is None


def test_lookback_covers_the_run_and_the_error_window():
    assert lookback(LATENCY) == timedelta(minutes=10)
    assert lookback(ERRORS) == timedelta(minutes=13)


def test_rule_specs_read_durations_as_people_write_them():
    rule = RULE.validate_python(
        {
            "kind": "error_rate",
            "name": "e",
            "above_percent": 2.5,
            "window": "1h30m",
            "for": 90,
            "clear_for": "PT10M",
        }
    )

    assert isinstance(rule, ErrorRateRule)
    assert (rule.window, rule.for_, rule.clear_for) == (
        timedelta(hours=1, minutes=30),
        timedelta(seconds=90),
        timedelta(minutes=10),
    )


def test_rule_kinds_have_flap_resistant_defaults():
    assert isinstance(LATENCY, LatencyRule) and LATENCY.clear_for == timedelta(minutes=5)
    assert isinstance(BREAKER, BreakerRule) and BREAKER.clear_for == timedelta(minutes=2)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"kind": "latency", "name": "x"}, "above"),
        ({"kind": "latency", "name": "x", "above": 8, "clear_below": 9}, "clear_below must not"),
        ({"kind": "latency", "name": "x", "above": 8, "percentile": "p90"}, "percentile"),
        ({"kind": "error_rate", "name": "x", "above_percent": 150}, "less than or equal to 100"),
        ({"kind": "breaker", "name": "x", "threshold": 1}, "Extra inputs are not permitted"),
        ({"kind": "saturation", "name": "x"}, "does not match any of the expected tags"),
        ({"kind": "latency", "name": "x", "above": 8, "for": "soon"}, "for"),
    ],
)
def test_bad_rule_specs_are_rejected(config: dict, message: str):
    with pytest.raises(ValidationError, match=message):
        RULE.validate_python(config)


def test_rule_names_are_unique_within_a_service():
    with pytest.raises(ValidationError, match="repeated: slow"):
        SliRulesSpec.model_validate(
            {
                "rules": [
                    {"kind": "latency", "name": "slow", "above": 8},
                    {"kind": "latency", "name": "slow", "above": 12},
                ]
            }
        )


def test_metric_sample_with_more_errors_than_requests_is_rejected():
    with pytest.raises(ValidationError, match="errors \\(5\\) cannot exceed requests \\(4\\)"):
        MetricSample(at=START, requests=4, errors=5)


def test_metric_sample_needs_a_time_zone_and_is_kept_in_utc():
    with pytest.raises(ValidationError, match="timezone"):
        MetricSample.model_validate({"at": "2026-03-02T14:00:00"})

    sample = MetricSample.model_validate({"at": "2026-03-02T09:00:00-05:00", "breaker_open": True})
    assert sample.at == START and sample.at.tzinfo == UTC
