"""The evidence bundle, pure: what is read of a payload, which samples are chosen, the totals,
and the Markdown and JSON it is exported as."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from onwatch.upstream import evidence
from onwatch.upstream.evidence import Failure, Subject

T0 = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)
SUBJECT = Subject(1, "Bookings fail", "booking-api", "clinic-framework", "https://t.example/1")


def failure(minute: int, payload: dict, times: int = 1) -> Failure:
    return Failure(T0 + timedelta(minutes=minute), payload, "Booking failed", "alert 1", times)


def test_url_error_id_and_client_ip_are_found_in_common_places() -> None:
    pagerduty = {
        "payload": {
            "summary": "x",
            "custom_details": {
                "request": {"url": "https://fw.example/api/slots"},
                "error_id": "VAMF-123",
                "headers": {"X-Forwarded-For": "203.0.113.7, 10.0.0.1"},
            },
        }
    }
    assert evidence.url_of(pagerduty) == "https://fw.example/api/slots"
    assert evidence.error_id_of(pagerduty) == "VAMF-123"
    assert evidence.client_ip_of(pagerduty) == "203.0.113.7"
    flat = {"labels": {"http.url": "http://a.example/b", "trace_id": "abc"}, "ip": "2001:db8::1"}
    assert evidence.url_of(flat) == "http://a.example/b"
    assert evidence.error_id_of(flat) == "abc"
    assert evidence.client_ip_of(flat) == "2001:db8::1"


def test_values_that_are_not_urls_or_addresses_are_not_taken() -> None:
    payload = {"url": "/relative/path", "client_ip": "unknown", "remote_addr": "198.51.100.2:5000"}
    assert evidence.url_of(payload) is None
    assert evidence.client_ip_of(payload) == "198.51.100.2"
    assert evidence.error_id_of({"error_id": True}) is None


def test_an_error_id_wins_over_a_trace_id_wherever_each_sits() -> None:
    payload = {"trace_id": "t-1", "details": {"error_id": "e-1"}}
    assert evidence.error_id_of(payload) == "e-1"


def test_the_bundle_counts_repeats_and_unique_ips_inside_the_window_only() -> None:
    failures = [
        failure(0, {"url": "https://fw.example/a", "error_id": "E1", "client_ip": "203.0.113.1"}),
        failure(
            5, {"url": "https://fw.example/b", "error_id": "E2", "client_ip": "203.0.113.2"}, 4
        ),
        failure(9, {"url": "https://fw.example/a", "error_id": "E3", "client_ip": "203.0.113.1"}),
        failure(90, {"url": "https://fw.example/late", "client_ip": "203.0.113.9"}),
    ]
    found = evidence.bundle(
        SUBJECT, failures, since=T0, until=T0 + timedelta(hours=1), now=T0 + timedelta(hours=2)
    )
    assert found.total_events == 6
    assert found.unique_client_ips == 2
    assert [s.error_id for s in found.samples] == ["E1", "E2", "E3"]
    assert found.has_enough_samples and found.notes == []


def test_samples_prefer_the_telling_and_the_different_and_come_oldest_first() -> None:
    failures = [
        failure(m, {"url": "https://fw.example/same", "error_id": "SAME"}) for m in range(5)
    ]
    failures += [failure(6, {"summary": "nothing useful"})]
    failures += [failure(7, {"url": "https://fw.example/other", "error_id": "OTHER"})]
    found = evidence.bundle(
        SUBJECT, failures, since=T0, until=T0 + timedelta(hours=1), now=T0, samples=3
    )
    picked = [(s.url, s.error_id) for s in found.samples]
    assert ("https://fw.example/other", "OTHER") in picked
    assert ("https://fw.example/same", "SAME") in picked
    assert [s.at for s in found.samples] == sorted(s.at for s in found.samples)


def test_too_few_failures_say_so_in_a_note() -> None:
    found = evidence.bundle(
        SUBJECT, [failure(1, {})], since=T0, until=T0 + timedelta(hours=1), now=T0
    )
    assert len(found.samples) == 1
    assert "at least 3 samples" in found.notes[0]


def test_the_payload_s_own_timestamp_is_the_sample_s() -> None:
    said = "2026-03-11T13:58:30Z"
    found = evidence.bundle(
        SUBJECT, [failure(1, {"timestamp": said})], since=T0, until=T0 + timedelta(hours=1), now=T0
    )
    assert found.samples[0].at == datetime(2026, 3, 11, 13, 58, 30, tzinfo=UTC)


def test_a_long_payload_is_cut_and_says_so() -> None:
    found = evidence.bundle(
        SUBJECT,
        [failure(1, {"body": "x" * 10_000})],
        since=T0,
        until=T0 + timedelta(hours=1),
        now=T0,
    )
    [sample] = found.samples
    assert sample.payload_cut and len(sample.payload) == evidence.MAX_PAYLOAD_CHARS + 1


def test_markdown_and_json_carry_samples_totals_and_the_upstream_link() -> None:
    failures = [
        failure(m, {"url": f"https://fw.example/{m}", "error_id": f"E{m}", "ip": f"192.0.2.{m}"})
        for m in range(1, 4)
    ]
    found = evidence.bundle(SUBJECT, failures, since=T0, until=T0 + timedelta(hours=1), now=T0)
    document = evidence.to_document(found, "https://onwatch.example/incidents/1/evidence/1")
    assert json.loads(json.dumps(document)) == document
    assert (document["total_events"], document["unique_client_ips"]) == (3, 3)
    assert [s["error_id"] for s in document["samples"]] == ["E1", "E2", "E3"]
    text = evidence.to_markdown(document)
    assert "- Total events: 3" in text and "- Unique client IPs: 3" in text
    assert "- Upstream report: https://t.example/1" in text
    assert text.count("### ") == 3 and "- Error id: E2" in text
    assert "- URL: https://fw.example/3" in text
    assert '"error_id": "E1"' in text  # the payload, as JSON
