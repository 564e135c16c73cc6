"""The committed config-file reference is the one the code generates."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onwatch.cli.main import cli
from onwatch.config.reference import COMMAND

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "config-reference.md"


def test_committed_config_reference_matches_the_code() -> None:
    result = CliRunner().invoke(cli, ["config", "reference"])
    assert result.exit_code == 0, result.output
    assert REFERENCE.read_text() == result.stdout, (
        f"{REFERENCE.name} is out of date; regenerate it from the repository root with:\n"
        f"    {COMMAND}"
    )


def test_reference_documents_every_directory_field() -> None:
    text = CliRunner().invoke(cli, ["config", "reference"]).stdout
    for field in ("handle", "contact_methods", "tech_lead", "roles", "depends_on", "runbooks"):
        assert f"| `{field}` |" in text
    assert "| `roles` | map of name → [team role](#teams-team-role) | empty |" in text
    assert "| `controlled` | true or false | `true` |" in text
