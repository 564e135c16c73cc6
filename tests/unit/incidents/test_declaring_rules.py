"""The pure parts of declaring and reporting: the users affected as a count or a share, the
title a report gets, what makes two declarations the same, and which Idempotency-Keys are
well formed."""

from __future__ import annotations

import pytest

from onwatch.core.errors import Invalid
from onwatch.incidents.declaring import Declaration, checked_key
from onwatch.incidents.reporting import title_of, users_affected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120", (120, None)),
        (" 1,200 ", (1200, None)),
        ("0", (0, None)),
        ("15%", (None, 15.0)),
        ("2.5 %", (None, 2.5)),
        ("100%", (None, 100.0)),
    ],
)
def test_users_affected_are_a_count_or_a_share(text: str, expected: tuple) -> None:
    assert users_affected(text) == expected


@pytest.mark.parametrize("text", ["lots", "-3", "101%", "12,34", "1e6", "15 users", ""])
def test_anything_else_is_refused_with_a_sentence_saying_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"a share|write a number"):
        users_affected(text)


def test_a_reports_title_is_its_first_line_cut_to_a_lines_length() -> None:
    assert title_of("  Claims   stay pending \nsince 09:40") == "Claims stay pending"
    long = title_of("x" * 300)
    assert len(long) == 120 and long.endswith("…")


def test_two_declarations_are_the_same_when_every_field_is() -> None:
    one = Declaration("api", "Down", "sev2", None, None)
    assert one.digest() == Declaration("api", "Down", "sev2", None, None).digest()
    assert one.digest() != Declaration("api", "Down", "sev2", "p1", None).digest()
    assert one.digest() != Declaration("api", "Down", "sev2", None, "").digest()


@pytest.mark.parametrize("key", ["8c1b2f4e-5a1d-4c55-9f0e-0b7c6f0e5a1d", "a", "k" * 255, "x:y/z"])
def test_well_formed_keys_are_kept_as_sent(key: str) -> None:
    assert checked_key(key) == key


@pytest.mark.parametrize("key", ["", " ", "has space", "k" * 256, "clé", "tab\there"])
def test_malformed_keys_are_refused_naming_the_header(key: str) -> None:
    with pytest.raises(Invalid) as refused:
        checked_key(key)
    assert refused.value.errors[0].field == "Idempotency-Key"
