"""`onwatch apply` and `onwatch export`: the organisation as a file, all or nothing, idempotent,
and every mistake in a file reported with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from onwatch.core.db import Database
from tests.adapters.cli.conftest import EXAMPLES, Onwatch, database_state

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))

SMALL = """\
version: 1
people:
  - {handle: ann, name: Ann Example, email: ann@example.org}
  - {handle: raj, name: Raj Example, email: raj@example.org}
teams:
  - {name: payments, members: [ann, raj], tech_lead: ann}
services:
  - {name: checkout, team: payments, depends_on: [card-gateway]}
  - {name: card-gateway, controlled: false}
"""


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def errors(stderr: str) -> list[str]:
    return [line.removeprefix("error: ") for line in stderr.splitlines()]


def test_five_examples_one_per_seed_playbook() -> None:
    assert [p.name[:4] for p in EXAMPLE_FILES] == ["000-", "001-", "002-", "003-", "004-"]


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_applies_cleanly_and_a_second_apply_reports_no_changes(
    onwatch: Onwatch, example: Path
) -> None:
    first = onwatch("apply", "-f", str(example))
    assert first.exit_code == 0, first.output
    assert first.stderr == ""
    assert first.stdout.splitlines()[-1].startswith("changed ")
    second = onwatch("apply", "-f", str(example))
    assert second.exit_code == 0, second.output
    assert second.stdout == "no changes\n"


def test_export_of_every_example_applies_back_with_no_diff_and_is_stable(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    for example in EXAMPLE_FILES:
        assert onwatch("apply", "-f", str(example)).exit_code == 0
    exported = onwatch("export").stdout
    assert exported.startswith("version: 1\n")
    back = onwatch("apply", "-f", write(tmp_path, exported), "--prune")
    assert back.exit_code == 0, back.output
    assert back.stdout == "no changes\n"
    assert onwatch("export").stdout == exported


def test_export_writes_a_file_with_dash_o(onwatch: Onwatch, tmp_path: Path) -> None:
    onwatch("apply", "-f", write(tmp_path, SMALL))
    target = tmp_path / "out.yaml"
    assert onwatch("export", "-o", str(target)).exit_code == 0
    assert target.read_text() == onwatch("export").stdout


def test_dry_run_prints_the_diff_and_writes_nothing(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    onwatch("apply", "-f", write(tmp_path, SMALL))
    before = database_state(db)
    changed = SMALL.replace("Raj Example", "Raj Q. Example").replace(
        "  - {name: checkout, team: payments, depends_on: [card-gateway]}\n", ""
    )
    changed += "  - {name: ledger, team: payments}\n"

    result = onwatch("apply", "-f", write(tmp_path, changed), "--prune", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "~ person raj",
        "    name: 'Raj Example' -> 'Raj Q. Example'",
        "+ service ledger",
        "- service checkout",
        "would change 3 objects (dry run: nothing written)",
    ]
    assert database_state(db) == before


def test_apply_reports_each_change_and_audits_it(onwatch: Onwatch, tmp_path: Path) -> None:
    result = onwatch("apply", "-f", write(tmp_path, SMALL))
    assert result.stdout.splitlines() == [
        "+ person ann",
        "+ person raj",
        "+ team payments",
        "+ service card-gateway",
        "+ service checkout",
        "changed 5 objects",
    ]
    audit = onwatch("audit", "--type", "service").stdout
    assert "service.create" in audit and "checkout" in audit


def test_prune_deletes_what_the_file_no_longer_declares(onwatch: Onwatch, tmp_path: Path) -> None:
    onwatch("apply", "-f", write(tmp_path, SMALL))
    smaller = "people:\n  - {handle: ann, name: Ann Example, email: ann@example.org}\n"

    without_prune = onwatch("apply", "-f", write(tmp_path, smaller))
    assert without_prune.stdout == "no changes\n"
    pruned = onwatch("apply", "-f", write(tmp_path, smaller), "--prune")

    assert pruned.exit_code == 0, pruned.output
    assert pruned.stdout.splitlines() == [
        "- service checkout",
        "- service card-gateway",
        "- team payments",
        "- person raj",
        "changed 4 objects",
    ]
    assert onwatch("export").stdout == (
        "version: 1\npeople:\n- handle: ann\n  name: Ann Example\n  email: ann@example.org\n"
    )


def test_prune_deletes_a_service_before_the_services_it_depends_on(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    # Alphabetical order would delete `accounts` first, while `billing` still needs it.
    stored = "services:\n  - {name: billing, depends_on: [accounts]}\n  - {name: accounts}\n"
    onwatch("apply", "-f", write(tmp_path, stored))
    result = onwatch("apply", "-f", write(tmp_path, "version: 1\n"), "--prune")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["- service billing", "- service accounts"]


def test_prune_refuses_to_delete_a_person_a_kept_team_still_names(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    onwatch("apply", "-f", write(tmp_path, SMALL))
    before = database_state(db)
    # raj is gone from `people`, but the team the file keeps still lists him.
    without_raj = SMALL.replace(
        "  - {handle: raj, name: Raj Example, email: raj@example.org}\n", ""
    )

    result = onwatch("apply", "-f", write(tmp_path, without_raj), "--prune")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert errors(result.stderr) == [
        "people: cannot delete 'raj' (not in the file): "
        "person 'raj' is still named by team 'payments'",
        f"nothing was changed (1 problem in {tmp_path / 'org.yaml'})",
    ]
    assert database_state(db) == before


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
        "contact_methods (line 6)",
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


def test_a_json_file_applies_like_yaml(onwatch: Onwatch, tmp_path: Path) -> None:
    text = '{"version": 1, "people": [{"handle": "ann", "name": "Ann", "email": "a@example.org"}]}'
    result = onwatch("apply", "-f", write(tmp_path, text, "org.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["+ person ann", "changed 1 object"]


def test_json_on_stdin_is_read_as_json(onwatch: Onwatch) -> None:
    result = onwatch("apply", "-f", "-", input='{"people": [{"handle": "ann"}],}')
    assert result.exit_code == 3
    assert errors(result.stderr) == [
        "line 1, column 32: not valid JSON: Expecting property name enclosed in double quotes"
    ]


def test_yaml_on_stdin_applies(onwatch: Onwatch) -> None:
    result = onwatch("apply", "-f", "-", input=SMALL)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("changed 5 objects\n")


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


def test_services_may_name_services_declared_later_in_the_file(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    text = """\
services:
  - {name: web, depends_on: [api, auth]}
  - {name: api, depends_on: [db]}
  - {name: auth, controlled: false}
  - {name: db}
"""
    result = onwatch("apply", "-f", write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert onwatch("apply", "-f", write(tmp_path, text)).stdout == "no changes\n"
    exported = onwatch("export").stdout
    assert "- name: web\n  depends_on:\n  - api\n  - auth\n" in exported


def test_a_file_that_cannot_be_read_exits_2_with_a_sentence(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    result = onwatch("apply", "-f", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"error: cannot read {tmp_path / 'missing.yaml'}: No such file or directory\n"
    )


def test_an_empty_file_changes_nothing(onwatch: Onwatch, tmp_path: Path) -> None:
    result = onwatch("apply", "-f", write(tmp_path, ""))
    assert result.exit_code == 0
    assert result.stdout == "no changes\n"
