"""Secrets as references: `env:NAME` and `file:/path` parsed and read when used; anything else
refused with a sentence that says how to write one and never repeats what was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from onwatch.core import secrets
from onwatch.core.settings import Settings


def test_references_name_a_variable_or_an_absolute_path() -> None:
    assert secrets.parse("env:OPS_SLACK_WEBHOOK") == secrets.Reference("env", "OPS_SLACK_WEBHOOK")
    assert secrets.parse("file:/run/secrets/hook") == secrets.Reference("file", "/run/secrets/hook")
    assert str(secrets.parse("file:/run/secrets/hook")) == "file:/run/secrets/hook"


@pytest.mark.parametrize(
    ("written", "sentence"),
    [
        ("https://hooks.slack.com/services/T0/B0/s3cr3t",
         "is a secret, so write a reference, not the value: env:OPS_SLACK_URL (an environment "
         "variable of onwatch's processes) or file:/run/secrets/ops_slack_url (a file, as Docker "
         "and Kubernetes mount secrets)"),
        ("env:1BAD", "env: must be followed by a variable name (letters, digits and _, not "
                     "starting with a digit), such as env:OPS_SLACK_URL"),
        ("env:", "env: must be followed by a variable name (letters, digits and _, not starting "
                 "with a digit), such as env:OPS_SLACK_URL"),
        ("file:run/secrets/x", "file: must be followed by an absolute path, such as "
                               "file:/run/secrets/ops_slack_url"),
    ],
)  # fmt: skip
def test_anything_else_is_refused_saying_how_to_write_a_reference(
    written: str, sentence: str
) -> None:
    with pytest.raises(ValueError) as refused:
        secrets.parse(written, secrets.example_name("ops-slack", "url"))
    assert str(refused.value) == sentence


def test_an_environment_variable_is_read_when_used() -> None:
    assert secrets.resolve("env:HOOK", {"HOOK": "whsec_x"}) == "whsec_x"
    with pytest.raises(secrets.SecretUnavailable, match="^env:HOOK is not set$"):
        secrets.resolve("env:HOOK", {})
    with pytest.raises(secrets.SecretUnavailable, match="^env:HOOK is empty$"):
        secrets.resolve("env:HOOK", {"HOOK": ""})


def test_a_file_is_read_without_its_final_line_break(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("tk_abc123\n")
    assert secrets.resolve(f"file:{path}") == "tk_abc123"
    assert secrets.unavailable(f"file:{path}") is None
    missing = f"file:{tmp_path / 'nope'}"
    assert secrets.unavailable(missing) == f"{missing} cannot be read (No such file or directory)"


def test_a_file_too_large_to_be_a_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * (secrets.MAX_FILE_BYTES + 1))
    with pytest.raises(secrets.SecretUnavailable, match="is larger than"):
        secrets.resolve(f"file:{path}")


def test_example_names_are_environment_variable_names() -> None:
    assert secrets.example_name("ops-slack", "url") == "OPS_SLACK_URL"
    assert secrets.example_name("2nd.hook", "secret") == "S_2ND_HOOK_SECRET"


def test_the_smtp_password_setting_takes_a_reference_and_never_echoes_a_value() -> None:
    assert (
        Settings(smtp_password="file:/run/secrets/smtp").smtp_password == "file:/run/secrets/smtp"
    )
    with pytest.raises(ValidationError) as refused:
        Settings(smtp_password="hunter2")
    assert "is a secret, so write a reference" in str(refused.value)
    assert "hunter2" not in str(refused.value)
