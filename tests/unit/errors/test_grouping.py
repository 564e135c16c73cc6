"""Grouping: literal Sentry events in, the hash and its reason out."""

from __future__ import annotations

from typing import Any

from onwatch.errors.grouping import VERSION, culprit_of, group, normalise, title_of


def _frame(module: str, function: str, lineno: int, in_app: bool) -> dict[str, Any]:
    return {"module": module, "function": function, "lineno": lineno, "in_app": in_app}


def _event(
    *frames: dict[str, Any], kind: str = "KeyError", value: str = "'total'"
) -> dict[str, Any]:
    return {
        "exception": {
            "values": [{"type": kind, "value": value, "stacktrace": {"frames": list(frames)}}]
        }
    }


FRAMEWORK = _frame("django.core.handlers.base", "_get_response", 197, False)
VIEW = _frame("app.views", "checkout", 42, True)
MODEL = _frame("app.models", "total", 7, True)


def test_in_app_frames_group_and_say_so_innermost_first() -> None:
    found = group(_event(FRAMEWORK, VIEW, MODEL))
    assert found.reason == (
        "grouped by KeyError at in-app frames: app.models in total, app.views in checkout"
    )
    assert found.components == (
        "frames",
        "KeyError",
        "app.views in checkout",
        "app.models in total",
    )
    assert VERSION == 1


def test_line_numbers_and_exception_values_do_not_split_an_issue() -> None:
    moved = _frame("app.views", "checkout", 99, True)
    assert (
        group(_event(FRAMEWORK, VIEW, value="'a'")).fingerprint
        == group(_event(FRAMEWORK, moved, value="'b'")).fingerprint
    )


def test_a_different_call_site_is_a_different_issue() -> None:
    refund = _frame("app.views", "refund", 42, True)
    assert (
        group(_event(FRAMEWORK, VIEW)).fingerprint != group(_event(FRAMEWORK, refund)).fingerprint
    )


def test_framework_frames_do_not_matter_when_there_are_in_app_ones() -> None:
    other = _frame("flask.app", "dispatch", 1, False)
    assert group(_event(FRAMEWORK, VIEW)).fingerprint == group(_event(other, VIEW)).fingerprint


def test_without_in_app_frames_all_frames_group() -> None:
    found = group(_event(FRAMEWORK, _frame("lib.x", "f", 1, False)))
    assert found.reason == (
        "grouped by KeyError at stack frames (none in app): lib.x in f, "
        "django.core.handlers.base in _get_response"
    )


def test_without_frames_the_type_and_normalised_value_group() -> None:
    first = group(_event(kind="ValueError", value="order 1234 of a@b.example not found"))
    second = group(_event(kind="ValueError", value="order 98 of c@d.example not found"))
    assert first.fingerprint == second.fingerprint
    assert first.reason == (
        "grouped by exception type and normalised value: ValueError: order <int> of <email> "
        "not found"
    )


def test_normalise_replaces_uuids_hex_ips_emails_and_numbers() -> None:
    assert (
        normalise(
            "id 6f1c2a7e-8d3b-4c5a-9e0f-1a2b3c4d5e6f at 0xdeadbeef sha 3f2a9c81d4 "
            "from 10.0.0.1 n=42"
        )
        == "id <uuid> at <hex> sha <hex> from <ip> n=<int>"
    )


def test_messages_group_by_their_template_not_their_parameters() -> None:
    first = {
        "logentry": {"message": "user %s failed", "params": ["ann"], "formatted": "user ann failed"}
    }
    second = {"logentry": {"message": "user %s failed", "params": ["bob"]}}
    assert group(first).fingerprint == group(second).fingerprint
    assert group(first).reason == "grouped by message: user %s failed"
    assert title_of(first) == "user %s failed"


def test_a_plain_message_is_normalised() -> None:
    assert (
        group({"message": "took 1200 ms"}).fingerprint
        == group({"message": "took 80 ms"}).fingerprint
    )


def test_an_explicit_fingerprint_comes_first() -> None:
    first = group({**_event(FRAMEWORK, VIEW), "fingerprint": ["payment-timeout"]})
    second = group({"message": "anything", "fingerprint": ["payment-timeout"]})
    assert first.fingerprint == second.fingerprint
    assert first.reason == "grouped by fingerprint [payment-timeout]"


def test_default_in_a_fingerprint_stands_for_the_default_grouping() -> None:
    found = group({**_event(VIEW), "fingerprint": ["{{ default }}", "tenant-a"]})
    other = group({**_event(VIEW), "fingerprint": ["{{ default }}", "tenant-b"]})
    assert found.fingerprint != other.fingerprint
    assert found.components == (
        "fingerprint",
        "frames",
        "KeyError",
        "app.views in checkout",
        "tenant-a",
    )
    assert found.reason == (
        "grouped by fingerprint [{{ default }}, tenant-a], where {{ default }} is: "
        "grouped by KeyError at in-app frames: app.views in checkout"
    )


def test_the_innermost_exception_of_a_chain_groups() -> None:
    event = {
        "exception": {
            "values": [
                {"type": "KeyError", "stacktrace": {"frames": [VIEW]}},
                {"type": "RuntimeError", "stacktrace": {"frames": [MODEL]}},
            ]
        }
    }
    assert group(event).components == ("frames", "RuntimeError", "app.models in total")
    assert title_of(event) == "RuntimeError"
    assert culprit_of(event) == "app.models in total"


def test_an_event_with_nothing_to_group_by_has_one_issue() -> None:
    assert group({}).fingerprint == group({"level": "error"}).fingerprint


def test_a_message_with_the_synthetic_stack_a_js_sdk_attaches_is_a_message() -> None:
    # What @sentry/node sends for captureMessage: attachStacktrace is on by default there.
    event = {
        "message": "payment provider timed out after 3000 ms",
        "exception": {
            "values": [
                {
                    "value": "payment provider timed out after 3000 ms",
                    "stacktrace": {"frames": [_frame("send", "charge", 12, True)]},
                    "mechanism": {"type": "generic", "handled": True, "synthetic": True},
                }
            ]
        },
    }
    found = group(event)
    assert found.components == ("message", "payment provider timed out after <int> ms")
    assert title_of(event) == "payment provider timed out after 3000 ms"
    assert culprit_of(event) == "send in charge"


def test_a_synthetic_exception_with_a_type_still_groups_by_its_frames() -> None:
    event = _event(VIEW, kind="Error", value="boom")
    event["exception"]["values"][0]["mechanism"] = {"type": "generic", "synthetic": True}
    event["message"] = "boom"
    assert group(event).components[:2] == ("frames", "Error")
