from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onwatch.alerts.matchers import (
    Matcher,
    matcher_from_spec,
    matchers_from_specs,
    matches,
    parse_matcher,
    parse_matchers,
)
from onwatch.core.errors import Invalid

LABELS = {"app": "reader", "env": "prod", "alertname": "HighErrorRate"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app=reader", Matcher("app", "=", "reader")),
        ('app="reader"', Matcher("app", "=", "reader")),
        ('app != "reader"', Matcher("app", "!=", "reader")),
        ('app=~"read.*"', Matcher("app", "=~", "read.*")),
        ('env!~"dev|test"', Matcher("env", "!~", "dev|test")),
        ('msg="say \\"hi\\", then, go"', Matcher("msg", "=", 'say "hi", then, go')),
        ('team=""', Matcher("team", "=", "")),
    ],
)
def test_matcher_text_is_read_like_alertmanager(text: str, expected: Matcher):
    assert parse_matcher(text) == expected


def test_regex_is_anchored_at_both_ends():
    assert parse_matcher('app=~"read"').matches({"app": "reader"}) is False
    assert parse_matcher('app=~"read.*"').matches({"app": "reader"}) is True
    assert parse_matcher('app=~"eade"').matches({"app": "reader"}) is False


def test_alternation_is_anchored_as_a_whole():
    matcher = parse_matcher('app=~"read|dispatch"')

    assert matcher.matches({"app": "dispatch"})
    assert not matcher.matches({"app": "dispatcher"})


def test_negative_regex_matches_what_the_regex_does_not():
    matcher = parse_matcher('env!~"dev|test"')

    assert matcher.matches({"env": "prod"})
    assert not matcher.matches({"env": "test"})


def test_missing_label_matches_as_empty_string():
    assert parse_matcher('team=""').matches(LABELS)
    assert parse_matcher("team!=blue").matches(LABELS)
    assert not parse_matcher('team=~".+"').matches(LABELS)


def test_all_matchers_must_match_and_none_matches_everything():
    assert matches(parse_matchers('{app="reader", env=~"prod|staging"}'), LABELS)
    assert not matches(parse_matchers('app="reader", env="dev"'), LABELS)
    assert matches([], LABELS)


def test_bad_regex_is_invalid_with_a_clear_message():
    with pytest.raises(Invalid) as caught:
        parse_matcher('app=~"(read"', field="silence.matchers[0]")

    (error,) = caught.value.errors
    assert error.field == "silence.matchers[0]"
    assert error.message.startswith("invalid regular expression '(read': missing )")


def test_text_without_an_operator_is_invalid():
    with pytest.raises(Invalid, match="cannot read 'app' as a matcher"):
        parse_matcher("app")


def test_every_bad_matcher_of_a_selector_is_listed():
    with pytest.raises(Invalid) as caught:
        parse_matchers('{app=~"(", env, team="blue"}', field="match")

    assert [e.field for e in caught.value.errors] == ["match[0]", "match[1]"]


def test_matcher_objects_in_alertmanager_api_shape_are_read():
    assert matcher_from_spec({"name": "app", "value": "read.*", "isRegex": True}) == Matcher(
        "app", "=~", "read.*"
    )
    assert matcher_from_spec(
        {"name": "env", "value": "dev", "isRegex": False, "isEqual": False}
    ) == Matcher("env", "!=", "dev")
    assert matcher_from_spec({"name": "env", "op": "!~", "value": "dev"}) == Matcher(
        "env", "!~", "dev"
    )


def test_bad_matcher_objects_are_listed_with_their_index():
    with pytest.raises(Invalid) as caught:
        matchers_from_specs(
            ["app=reader", {"name": "env", "op": "~", "value": "x"}, 3], field="matchers"
        )

    assert [str(e) for e in caught.value.errors] == [
        "matchers[1]: operator must be one of =, !=, =~, !~ (got '~')",
        "matchers[2]: a matcher must be a string or an object",
    ]


def test_matcher_prints_back_as_text_that_reads_the_same():
    matcher = Matcher("msg", "=~", 'say "hi".*')

    assert str(matcher) == 'msg=~"say \\"hi\\".*"'
    assert parse_matcher(str(matcher)) == matcher


@given(
    name=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
    op=st.sampled_from(["=", "!="]),
    value=st.text(max_size=40),
)
def test_any_equality_matcher_round_trips_through_its_text(name: str, op: str, value: str):
    matcher = Matcher(name, op, value)  # type: ignore[arg-type]

    assert parse_matcher(str(matcher)) == matcher
