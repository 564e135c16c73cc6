"""Envelope parsing and decompression under a cap."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from onwatch.core.errors import Invalid, Unauthorized
from onwatch.errors.envelope import (
    TooLarge,
    UnsupportedEncoding,
    client_report_drops,
    decompress,
    dsn_key,
    parse_envelope,
    sentry_key,
)


def test_items_with_and_without_length_are_split() -> None:
    body = b'{"event_id":"ab"}\n{"type":"event","length":7}\n{"a":1}\n{"type":"session"}\n{"s":1}'
    found = parse_envelope(body)
    assert found.headers == {"event_id": "ab"}
    assert [(i.type, i.payload) for i in found.items] == [
        ("event", b'{"a":1}'),
        ("session", b'{"s":1}'),
    ]


def test_a_length_may_hold_newlines() -> None:
    body = b'{}\n{"type":"attachment","length":3}\na\nb\n'
    assert parse_envelope(body).items[0].payload == b"a\nb"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{}\n{"type":"event","length":50}\n{}', "items[0] (event).length"),
        (b'{}\n{"type":"event","length":1}\n{}\n', "items[0] (event).length"),
        (b'{}\n{"type":"event","length":-1}\n{}\n', "items[0] (event).length"),
        (b'{}\n{"length":2}\n{}\n', "items[0].type"),
        (b"", "envelope header"),
    ],
)
def test_a_lying_or_missing_header_is_refused_naming_the_item(body: bytes, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_envelope(body)
    assert [e.field for e in refused.value.errors] == [field]


def test_decompress_reads_gzip_deflate_raw_deflate_and_plain() -> None:
    data = b"x" * 1000
    assert decompress(gzip.compress(data), "gzip", 2000) == data
    assert decompress(zlib.compress(data), "deflate", 2000) == data
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decompress(raw.compress(data) + raw.flush(), "deflate", 2000) == data
    assert decompress(data, "", 2000) == data
    with pytest.raises(UnsupportedEncoding):
        decompress(data, "br", 2000)
    with pytest.raises(Invalid):
        decompress(b"not gzip", "gzip", 2000)
    with pytest.raises(Invalid):
        decompress(gzip.compress(data)[:-12], "gzip", 2000)


def test_every_member_of_a_gzip_body_is_read() -> None:
    first, second, third = b'{"event_id":"ab"}\n', b'{"type":"session"}\n', b'{"s":1}'
    body = gzip.compress(first) + gzip.compress(second) + gzip.compress(third)
    assert decompress(body, "gzip", 2000) == first + second + third
    assert [i.type for i in parse_envelope(decompress(body, "gzip", 2000)).items] == ["session"]


def test_the_cap_counts_all_members_together() -> None:
    member = gzip.compress(b"x" * 600)
    assert len(decompress(member * 3, "gzip", 1800)) == 1800
    with pytest.raises(TooLarge):
        decompress(member * 4, "gzip", 1800)


def test_a_truncated_or_broken_later_member_is_refused() -> None:
    member = gzip.compress(b"x" * 100)
    with pytest.raises(Invalid, match="truncated"):
        decompress(member + member[:-12], "gzip", 2000)
    with pytest.raises(Invalid, match="not valid gzip"):
        decompress(member + b"garbage!", "gzip", 2000)


def test_a_bomb_is_refused_without_decompressing_past_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB in about 64 KB
    limit = 256 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            decompress(bomb, "gzip", limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What was decompressed, held at once, stays near the limit: nowhere near 64 MiB.
    assert peak < 4 * limit


def test_the_key_comes_from_the_auth_header_then_the_query() -> None:
    assert sentry_key("Sentry sentry_key=abc, sentry_version=7", None) == "abc"
    assert sentry_key("Sentry sentry_version=7,sentry_key=abc", "q") == "abc"
    assert sentry_key("", "q") == "q"
    with pytest.raises(Unauthorized):
        sentry_key("", None)
    assert dsn_key({"dsn": "https://pub@host.example/3"}) == "pub"
    assert dsn_key({}) is None


def test_client_reports_count_their_dropped_events() -> None:
    report = {"discarded_events": [{"quantity": 2}, {"quantity": 5}, {"quantity": "x"}, "junk"]}
    assert client_report_drops(report) == 7
