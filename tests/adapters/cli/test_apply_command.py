"""`onwatch apply` and `onwatch export`: the organisation as a file, all or nothing, idempotent,
and every mistake in a file reported with its place."""

from __future__ import annotations

import re
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
    # Some of the examples' people have no notification rules, some Slack member ids and phone
    # numbers have no Apprise URL, and the secrets the examples reference (env:NAME) are set
    # where the engine runs, not here: apply says so, and nothing else. A report form's token is
    # read by apply itself: unset here, the form is locked until apply runs where it is set.
    expected = (
        "notification rules",
        "never paged",
        "is not set in this environment",
        "the form refuses every report",
        "the engine reads it when it calls the tracker",  # a ticket tracker's token
    )
    assert all(any(why in line for why in expected) for line in first.stderr.splitlines()), (
        first.stderr
    )
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


def test_dry_run_of_a_new_integration_shows_no_key_and_the_real_apply_does(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    integration = "integrations:\n  - {name: pd, service: checkout, type: pagerduty}\n"
    org = write(tmp_path, SMALL + integration)
    planned = onwatch("apply", "-f", org, "--dry-run").stdout
    assert "+ integration pd\n    key: made and shown when the file is applied\n" in planned
    assert "shown once" not in planned
    applied = onwatch("apply", "-f", org).stdout
    assert re.search(r"\+ integration pd\n    key \(shown once\): \S+\n", applied)


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


def test_a_json_file_applies_like_yaml(onwatch: Onwatch, tmp_path: Path) -> None:
    text = '{"version": 1, "people": [{"handle": "ann", "name": "Ann", "email": "a@example.org"}]}'
    result = onwatch("apply", "-f", write(tmp_path, text, "org.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["+ person ann", "changed 1 object"]


def test_yaml_on_stdin_applies(onwatch: Onwatch) -> None:
    result = onwatch("apply", "-f", "-", input=SMALL)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("changed 5 objects\n")


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


def test_an_empty_file_changes_nothing(onwatch: Onwatch, tmp_path: Path) -> None:
    result = onwatch("apply", "-f", write(tmp_path, ""))
    assert result.exit_code == 0
    assert result.stdout == "no changes\n"
