"""`onwatch apply` given a file with mistakes: every one reported with its place and line,
a sentence on stderr, exit code 3, and the database exactly as it was."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.core.db import Database
from tests.adapters.cli.conftest import EXAMPLES, Onwatch, database_state
from tests.adapters.cli.test_apply_command import SMALL, errors, write


def test_a_file_with_three_mistakes_reports_all_three_with_locations_and_changes_nothing(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    onwatch("apply", "-f", str(EXAMPLES / "003-prod-squad.yaml"))
    before = database_state(db)
    three_mistakes = """\
version: 1
people:
  - handle: ann
    name: Ann Example
    email: ann@example.org
    pager: "+15555550100"
teams:
  - name: payments
    members: ann
  - name: ledger
    members: [beatriz]
  - name: fraud
    tech_lead: zed
"""
    result = onwatch("apply", "-f", write(tmp_path, three_mistakes))

    assert result.exit_code == 3
    assert errors(result.stderr) == [
        "people[0].pager: unknown field; expected one of handle, name, email, time_zone, "
        "contact_methods, notification_rules (line 6)",
        "teams[0].members: must be a list, got 'ann' (line 9)",
        "teams[2].tech_lead: no person 'zed' (line 13)",
        f"nothing was changed (3 problems in {tmp_path / 'org.yaml'})",
    ]
    assert database_state(db) == before


def test_wrong_types_are_named_by_field(onwatch: Onwatch, tmp_path: Path) -> None:
    text = """\
services:
  - name: Checkout Service
    controlled: maybe
    depends_on: [card-gateway]
    runbooks:
      - {title: Down, url: not-a-url}
people: {handle: ann}
"""
    result = onwatch("apply", "-f", write(tmp_path, text))
    assert result.exit_code == 3
    assert errors(result.stderr)[:4] == [
        "services[0].name: 'Checkout Service' is not a valid name: use 1-64 lowercase letters, "
        "digits, '.', '_' or '-', starting with a letter or digit (line 2)",
        "services[0].controlled: must be true or false, got 'maybe' (line 3)",
        "services[0].runbooks[0].url: must be a URL such as https://example.org/runbook, "
        "got 'not-a-url' (line 6)",
        "people: must be a list of items, got a mapping (line 7)",
    ]


def test_a_reference_to_an_item_with_errors_points_at_that_item(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    text = """\
people:
  - {handle: ann, name: Ann Example, email: not-an-address}
teams:
  - {name: payments, tech_lead: ann}
"""
    result = onwatch("apply", "-f", write(tmp_path, text))
    assert errors(result.stderr)[:2] == [
        "people[0].email: not an e-mail address: 'not-an-address' (line 2)",
        "teams[0].tech_lead: no person 'ann'; people[0] declares it but has errors of its own "
        "(line 4)",
    ]


def test_malformed_yaml_reports_line_and_column_and_stores_nothing(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    before = database_state(db)
    path = write(tmp_path, "people:\n  - handle: ann\n   name: Ann\n", "bad.yaml")
    result = onwatch("apply", "-f", path)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert errors(result.stderr) == [
        f"{path}, line 3, column 4: not valid YAML: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block collection)"
    ]
    assert database_state(db) == before


def test_malformed_json_reports_line_and_column(onwatch: Onwatch, tmp_path: Path) -> None:
    path = write(tmp_path, '{"people": [\n  {"handle": "ann",}\n]}\n', "org.json")
    result = onwatch("apply", "-f", path)
    assert result.exit_code == 3
    assert errors(result.stderr) == [
        f"{path}, line 2, column 20: not valid JSON: Expecting property name enclosed in "
        "double quotes"
    ]


def test_json_on_stdin_is_read_as_json(onwatch: Onwatch) -> None:
    result = onwatch("apply", "-f", "-", input='{"people": [{"handle": "ann"}],}')
    assert result.exit_code == 3
    assert errors(result.stderr) == [
        "line 1, column 32: not valid JSON: Expecting property name enclosed in double quotes"
    ]


def test_unknown_top_level_section_is_reported_with_its_line(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    result = onwatch("apply", "-f", write(tmp_path, "version: 1\nteam:\n  - {name: a}\n"))
    assert result.exit_code == 3
    first = errors(result.stderr)[0]
    assert first.startswith("team: unknown section; expected one of version, people, teams, ")
    assert first.endswith(" (line 2)")


def test_a_file_that_is_not_a_mapping_of_sections_is_refused(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    result = onwatch("apply", "-f", write(tmp_path, "- people\n"))
    assert result.exit_code == 3
    assert errors(result.stderr)[0] == (
        "(file): must be a mapping of sections (version:, people:, teams:, …)"
    )


def test_unsupported_version_is_refused(onwatch: Onwatch, tmp_path: Path) -> None:
    result = onwatch("apply", "-f", write(tmp_path, "version: 2\n"))
    assert result.exit_code == 3
    assert errors(result.stderr)[0] == "version: must be 1, got the number 2 (line 1)"


def test_a_key_written_twice_in_one_mapping_is_reported_with_its_place(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    text = SMALL + "people:\n  - {handle: bo, name: Bo, email: bo@example.org, name: Bob}\n"
    path = write(tmp_path, text)
    result = onwatch("apply", "-f", path)
    assert result.exit_code == 3
    assert errors(result.stderr)[:2] == [
        f"{path}, line 10, column 1: key 'people' appears twice in the same mapping",
        f"{path}, line 11, column 51: key 'name' appears twice in the same mapping",
    ]
    assert database_state(db)["person"] == []


def test_a_key_written_twice_in_a_json_object_is_reported(onwatch: Onwatch, tmp_path: Path) -> None:
    text = '{"people": [],\n "people": []}'
    path = write(tmp_path, text, "org.json")
    result = onwatch("apply", "-f", path)
    assert result.exit_code == 3
    assert errors(result.stderr)[0] == (
        f"{path}, line 2, column 2: key 'people' appears twice in the same mapping"
    )


def test_an_item_declared_twice_in_a_section_is_reported(onwatch: Onwatch, tmp_path: Path) -> None:
    text = SMALL + "  - {name: checkout}\n"
    result = onwatch("apply", "-f", write(tmp_path, text))
    assert result.exit_code == 3
    assert errors(result.stderr)[0] == (
        "services[2]: 'checkout' is declared twice (first at services[0]) (line 10)"
    )


def test_a_service_dependency_cycle_is_reported_once_and_nothing_is_stored(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    text = """\
services:
  - {name: web, depends_on: [api]}
  - {name: api, depends_on: [queue]}
  - {name: queue, depends_on: [web]}
  - {name: db, depends_on: [db]}
"""
    result = onwatch("apply", "-f", write(tmp_path, text))
    assert result.exit_code == 3
    assert errors(result.stderr)[:2] == [
        "services[0].depends_on: dependency cycle: web → api → queue → web (line 2)",
        "services[3].depends_on[0]: a service cannot depend on itself (line 5)",
    ]
    assert database_state(db)["service"] == []


def test_a_cycle_through_a_stored_service_is_reported(onwatch: Onwatch, tmp_path: Path) -> None:
    onwatch(
        "apply", "-f", write(tmp_path, "services:\n  - {name: a, depends_on: [b]}\n  - {name: b}\n")
    )
    result = onwatch("apply", "-f", write(tmp_path, "services:\n  - {name: b, depends_on: [a]}\n"))
    assert result.exit_code == 3
    assert (
        errors(result.stderr)[0] == "services[0].depends_on: dependency cycle: b → a → b (line 2)"
    )


def test_a_file_that_cannot_be_read_exits_2_with_a_sentence(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    result = onwatch("apply", "-f", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: cannot read {tmp_path / 'missing.yaml'}: No such file or directory\n"
    )


def test_an_unreachable_database_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(
        cli,
        ["apply", "-f", write(tmp_path, SMALL)],
        env={"ONWATCH_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{port}/none"},
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot use the database: connection failed")
    assert len(result.stderr.splitlines()) == 1
