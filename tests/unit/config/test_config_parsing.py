"""Reading a config file's text: YAML or JSON, the line of every value, duplicate keys."""

from __future__ import annotations

import pytest
import yaml

from onwatch.config.parsing import is_json, parse_text
from onwatch.core.errors import FieldError, Invalid

TEXT = """\
version: 1
people:
  - handle: ann
    name: Ann
teams:
  - name: core
    roles:
      lead: {person: ann}
"""


def test_every_value_has_the_line_of_its_key_or_list_item() -> None:
    lines = parse_text(TEXT, "org.yaml").lines
    assert lines["people"] == 2
    assert lines["people[0]"] == 3
    assert lines["people[0].name"] == 4
    assert lines["teams[0].roles"] == 7
    assert lines["teams[0].roles.lead.person"] == 8


def test_json_values_have_lines_too() -> None:
    parsed = parse_text('{"people": [\n  {"handle": "ann"}\n]}', "org.json")
    assert parsed.data == {"people": [{"handle": "ann"}]}
    assert parsed.lines["people[0].handle"] == 2


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        ("{}", "org.json", True),
        ("people: []", "org.json", True),
        ('{"people": []}', "-", True),
        ("people: []", "-", False),
        ("{people: []}", "org.yaml", False),
        ("{people: []}", "org.YML", False),
    ],
)
def test_json_is_told_from_yaml_by_extension_then_by_first_character(
    text: str, source: str, expected: bool
) -> None:
    assert is_json(text, source) is expected


def test_duplicate_keys_are_collected_with_their_place() -> None:
    parsed = parse_text("people: []\nteams: []\npeople: []\n", "org.yaml")
    assert parsed.errors == [
        FieldError("org.yaml, line 3, column 1", "key 'people' appears twice in the same mapping")
    ]


def test_a_yaml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(Invalid) as raised:
        parse_text("people:\n  - [unclosed\n", "org.yaml")
    assert raised.value.errors[0].field == "org.yaml, line 3, column 1"
    assert raised.value.errors[0].message.startswith("not valid YAML: ")


def test_two_documents_in_one_file_are_refused() -> None:
    with pytest.raises(Invalid) as raised:
        parse_text("people: []\n---\nteams: []\n", "-")
    assert raised.value.errors[0].field == "line 2, column 1"


def test_an_empty_file_is_nothing() -> None:
    assert parse_text("", "org.yaml").data is None


def test_nested_aliases_are_not_walked_again_and_again() -> None:
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 12):  # 9**12 leaves if every alias were walked
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    parsed = parse_text("\n".join(levels) + "\n", "bomb.yaml")
    assert parsed.lines["a11"] == 12
    assert "a11[8]" in parsed.lines


def test_a_file_nested_too_deeply_is_refused_with_a_sentence() -> None:
    with pytest.raises(Invalid) as raised:
        parse_text("[" * 100_000 + "]" * 100_000, "deep.json")
    assert raised.value.errors == [FieldError("deep.json", "nested too deeply to be a config file")]


EVERY_KIND_OF_VALUE = """\
version: 1
defaults: &defaults {time_zone: America/New_York, count: 012, ratio: 1.5, on: yes}
people:
  - {handle: ann, name: "Ann \\u00c9", email: 'ann@example.org'}
  - handle: raj
    start_date: 2026-01-05
    start_at: 2026-03-02T09:00:00-05:00
    label: ~
    tags: !!set {a, b}
    again: *defaults
    notes: |
      two
      lines
"""


def test_libyaml_reads_what_the_pure_python_reader_reads() -> None:
    # The fast reader (libyaml, values built directly) against PyYAML's own SafeLoader.
    parsed = parse_text(EVERY_KIND_OF_VALUE, "org.yaml")
    assert parsed.data == yaml.load(EVERY_KIND_OF_VALUE, Loader=yaml.SafeLoader)
    assert parsed.data["people"][1]["again"] is parsed.data["defaults"]
    assert parsed.lines["people[1].notes"] == 11
    assert parsed.errors == []
