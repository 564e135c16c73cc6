from __future__ import annotations

from datetime import UTC, datetime

import pytest

from onwatch.core.errors import Invalid
from onwatch.integrations.body import MAX_BODY_BYTES, parse_instant, parse_json


def test_json_body_is_decoded():
    assert parse_json(b'{"routing_key": "k", "n": [1, 2]}') == {"routing_key": "k", "n": [1, 2]}


def test_json_body_with_byte_order_mark_is_decoded():
    assert parse_json('\ufeff{"a": "é"}'.encode()) == {"a": "é"}


def test_non_json_body_says_where_it_stops_being_json():
    with pytest.raises(Invalid) as caught:
        parse_json(b'{"routing_key": "k",\n "payload": oops}')

    assert caught.value.message == ("body is not valid JSON: Expecting value at line 2 column 13")


def test_empty_body_is_invalid():
    with pytest.raises(Invalid, match="body is empty"):
        parse_json(b"  \n")


def test_body_that_is_not_utf8_is_invalid():
    with pytest.raises(Invalid, match="not UTF-8"):
        parse_json(b'{"a": "\xff"}')


def test_body_limit_is_pagerdutys_512_kb():
    assert MAX_BODY_BYTES == 524_288


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2015-07-17T08:42:58.315+0000", datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)),
        ("2026-03-02T13:51:03.157076589Z", datetime(2026, 3, 2, 13, 51, 3, 157076, tzinfo=UTC)),
        ("2026-03-02T15:00:00+01:00", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
        ("2026-03-02T14:00:00", datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
    ],
)
def test_instants_in_the_forms_monitors_send_are_read_as_utc(text: str, instant: datetime):
    assert parse_instant(text) == instant


def test_text_that_is_not_an_instant_reads_as_none():
    assert parse_instant("yesterday at noon") is None


@pytest.mark.parametrize(
    ("body", "value"),
    [
        (b'{"id": 123456789012345678901234567890}', {"id": 123456789012345678901234567890}),
        (b"[-9223372036854775809, 18446744073709551616]", [-(2**63) - 1, 2**64]),
        (b'{"n": 1e308, "m": -2.5e-300}', {"n": 1e308, "m": -2.5e-300}),
        (b'{"id": 1' + b"0" * 4299 + b"}", {"id": 10**4299}),
    ],
)
def test_json_the_standard_library_reads_is_read_the_same(body: bytes, value: object):
    decoded = parse_json(body)

    assert decoded == value
    assert [type(v) for v in _leaves(decoded)] == [type(v) for v in _leaves(value)]


def test_byte_order_mark_is_accepted_once():
    with pytest.raises(Invalid, match="body is not valid JSON: Unexpected UTF-8 BOM"):
        parse_json(b"\xef\xbb\xbf\xef\xbb\xbf{}")


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"dedup_key": "a\\ud800"}', "dedup_key"),
        (b'{"payload": {"tags": ["ok", "\\uDC00"]}}', "payload.tags[1]"),
        (b'{"labels": {"\\ud800x": "v"}}', "labels.\\ud800x"),
        (b'"\\udfff"', ""),
    ],
)
def test_half_a_surrogate_pair_is_invalid_naming_where(body: bytes, field: str):
    with pytest.raises(Invalid) as caught:
        parse_json(body)

    (error,) = caught.value.errors
    assert (error.field, error.message) == (
        field,
        "holds half a surrogate pair (a \\u escape), not a character",
    )


def test_whole_surrogate_pair_is_one_character():
    assert parse_json(b'{"summary": "\\ud83d\\ude00 \\u00e9"}') == {"summary": "\U0001f600 é"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b'{"dedup_key": "a\\u0000"}', "dedup_key", "must not contain a NUL character (\\u0000)"),
        (b'{"labels": {"k\\u0000": "v"}}', "labels.k\\u0000", "must not contain a NUL character"),
        (b'{"a": [1, NaN]}', "a[1]", "holds NaN, which is not a JSON number"),
        (b'{"a": {"b": -Infinity}}', "a.b", "holds -Infinity, which is not a JSON number"),
        (b'{"a": 1e400}', "a", "holds 1e400, beyond what a 64-bit float holds"),
        (b'{"a": -1' + b"0" * 4300 + b"}", "a", "holds an integer of 4301 digits; at most 4300"),
    ],
)
def test_what_could_not_be_stored_is_invalid_naming_where(body: bytes, field: str, message: str):
    with pytest.raises(Invalid) as caught:
        parse_json(body)

    (error,) = caught.value.errors
    assert error.field == field
    assert error.message.startswith(message)


def test_escaped_backslash_before_u0000_is_text_not_nul():
    assert parse_json(b'{"path": "C:\\\\u0000"}') == {"path": "C:\\u0000"}


@pytest.mark.parametrize("depth", [65, 1000, 5000])
def test_nesting_deeper_than_64_is_invalid_naming_the_top_of_it(depth: int):
    body = b'{"payload": {"custom_details": ' + b"[" * depth + b"]" * depth + b"}}"

    with pytest.raises(Invalid) as caught:
        parse_json(body)

    (error,) = caught.value.errors
    # Past what the JSON libraries read at all, only the body can be named.
    field = "" if depth == 5000 else "payload.custom_details"
    assert error.field == field
    assert error.message.endswith("nested more than 64 levels deep")


def test_nesting_64_deep_is_read():
    body = b"[" * 63 + b'{"a": 1}' + b"]" * 63

    assert parse_json(body) is not None
