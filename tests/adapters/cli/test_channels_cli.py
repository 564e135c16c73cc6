"""The `channels:` section through `onwatch apply`, `export` and `channels list`: every kind
stored with its secrets as references (audited, exported back unchanged), a warning for each
reference `apply` cannot read, and bad channels refused with a sentence naming the field while
the database stays exactly as it was."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from onwatch.core.db import Database
from tests.adapters.cli.conftest import Onwatch, database_state
from tests.adapters.cli.test_apply_command import errors, write

CHANNELS = """\
version: 1
channels:
  - {name: ops-slack, type: slack, url: "env:OPS_SLACK_WEBHOOK"}
  - {name: ops-teams, type: teams, url: "env:OPS_TEAMS_WORKFLOW_URL"}
  - {name: ops-mail, type: email, to: [ops@example.org, lead@example.org]}
  - {name: audit-hook, type: webhook, url: "https://hooks.example.org/onwatch",
     secret: "env:HOOK_SECRET"}
  - {name: pager, type: ntfy, url: "https://ntfy.example.org/platform-pager",
     token: "env:NTFY_TOKEN", rate_limit: {max: 5, per: 1m}}
  - {name: chat, type: apprise, url: "file:/run/secrets/chat-apprise-url"}
"""
HOOK_SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
WORKFLOW = "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"
ENVIRONMENT = {
    "OPS_SLACK_WEBHOOK": "https://hooks.slack.com/services/T000/B000/XXXX",
    "OPS_TEAMS_WORKFLOW_URL": WORKFLOW,
    "HOOK_SECRET": HOOK_SECRET,
    "NTFY_TOKEN": "tk_abc123",
}


def test_channels_apply_list_audit_and_export_back_unchanged(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    applied = onwatch("apply", "-f", write(tmp_path, CHANNELS), env=ENVIRONMENT)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.splitlines()[:6] == [
        "+ channel ops-slack",
        "+ channel ops-teams",
        "+ channel ops-mail",
        "+ channel audit-hook",
        "+ channel pager",
        "+ channel chat",
    ]

    listed = onwatch("channels", "list")
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["NAME", "TYPE", "SENDS", "TO", "SECRET", "RATE", "LIMIT"],
        ["audit-hook", "webhook", "https://hooks.example.org/onwatch", "env:HOOK_SECRET",
         "default"],
        ["chat", "apprise", "file:/run/secrets/chat-apprise-url", "—", "default"],
        ["ops-mail", "email", "ops@example.org,", "lead@example.org", "—", "default"],
        ["ops-slack", "slack", "env:OPS_SLACK_WEBHOOK", "—", "default"],
        ["ops-teams", "teams", "env:OPS_TEAMS_WORKFLOW_URL", "—", "default"],
        ["pager", "ntfy", "https://ntfy.example.org/platform-pager", "env:NTFY_TOKEN", "5", "per",
         "1m"],
    ]  # fmt: skip
    items = json.loads(onwatch("channels", "list", "--json").stdout)["items"]
    assert items[5]["rate_limit"] == {"max": 5, "per": "1m"}

    audit = onwatch("audit", "--json").stdout
    assert json.loads(audit)["items"][0]["action"] == "channel.create"
    assert HOOK_SECRET not in audit and "tk_abc123" not in audit  # references only

    exported = onwatch("export").stdout
    assert "env:OPS_SLACK_WEBHOOK" in exported and "hooks.slack.com" not in exported
    again = onwatch("apply", "--prune", "-f", write(tmp_path, exported, "export.yaml"),
                    env=ENVIRONMENT)  # fmt: skip
    assert (again.exit_code, again.stdout) == (0, "no changes\n")


def test_a_dropped_field_is_an_update_and_prune_deletes_a_channel(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    assert onwatch("apply", "-f", write(tmp_path, CHANNELS), env=ENVIRONMENT).exit_code == 0
    fewer = """\
channels:
  - {name: pager, type: ntfy, url: "https://ntfy.example.org/platform-pager"}
"""
    result = onwatch("apply", "--prune", "-f", write(tmp_path, fewer, "fewer.yaml"))
    assert result.exit_code == 0, result.output
    assert "~ channel pager\n    token: 'env:NTFY_TOKEN' -> None" in result.stdout
    assert "- channel ops-slack" in result.stdout
    assert [
        c["name"] for c in json.loads(onwatch("channels", "list", "--json").stdout)["items"]
    ] == ["pager"]


def test_apply_warns_about_each_reference_it_cannot_read_and_still_applies(
    onwatch: Onwatch, tmp_path: Path
) -> None:
    partial = {k: v for k, v in ENVIRONMENT.items() if k != "OPS_SLACK_WEBHOOK"}
    result = onwatch("apply", "-f", write(tmp_path, CHANNELS), env=partial)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "warning: channel ops-slack: url: env:OPS_SLACK_WEBHOOK is not set in this environment; "
        "onwatch reads it when it sends, so it must be readable where `onwatch serve` or "
        "`onwatch engine` runs",
        "warning: channel chat: url: file:/run/secrets/chat-apprise-url cannot be read (No such "
        "file or directory) in this environment; onwatch reads it when it sends, so it must be "
        "readable where `onwatch serve` or `onwatch engine` runs",
    ]


BAD = {
    "malformed webhook URL": (
        '  - {name: hook, type: webhook, url: "hooks.example.org/x", secret: "env:HOOK_SECRET"}',
        "channels[0].url: must be an http or https URL (line 3)",
    ),
    "malformed URL behind a reference": (
        '  - {name: ops-slack, type: slack, url: "env:OPS_SLACK_WEBHOOK"}',
        "channels[0].url: the value of env:OPS_SLACK_WEBHOOK must be an http or https URL (line 3)",
    ),
    "legacy Teams URL": (
        '  - {name: ops-teams, type: teams, url: "env:OPS_TEAMS_WORKFLOW_URL"}',
        "channels[0].url: the value of env:OPS_TEAMS_WORKFLOW_URL is a retired Office 365 "
        "connector URL, which Teams no longer accepts; to migrate, create a Workflows webhook in "
        "Teams (the channel's … menu → Workflows → the template \"Post to a channel when a "
        "webhook request is received\"), then put the URL it gives you where this reference "
        "points (line 3)",
    ),
    "literal Slack URL": (
        '  - {name: ops-slack, type: slack, url: "https://hooks.slack.com/services/T0/B0/s3cr3t"}',
        "channels[0].url: is a secret, so write a reference, not the value: env:OPS_SLACK_URL (an "
        "environment variable of onwatch's processes) or file:/run/secrets/ops_slack_url (a file, "
        "as Docker and Kubernetes mount secrets) (line 3)",
    ),
    "literal webhook secret": (
        '  - {name: hook, type: webhook, url: "https://h.example.org/", secret: "whsec_s3cr3t"}',
        "channels[0].secret: is a secret, so write a reference, not the value: env:HOOK_SECRET "
        "(an environment variable of onwatch's processes) or file:/run/secrets/hook_secret (a "
        "file, as Docker and Kubernetes mount secrets) (line 3)",
    ),
    "unknown type": (
        '  - {name: pager, type: pagerduty, url: "env:X"}',
        "channels[0].type: must be 'email', 'slack', 'teams', 'webhook', 'ntfy' or 'apprise', got "
        "'pagerduty' (line 3)",
    ),
}  # fmt: skip
BAD_ENVIRONMENT = {
    **ENVIRONMENT,
    "OPS_SLACK_WEBHOOK": "hooks.slack.com/services/T000/B000/XXXX",
    "OPS_TEAMS_WORKFLOW_URL": "https://contoso.webhook.office.com/webhookb2/1a2b@3c4d/IncomingWebhook/5e/7a",
}  # fmt: skip


def test_each_bad_channel_is_refused_naming_its_field_and_nothing_changes(
    onwatch: Onwatch, db: Database, tmp_path: Path
) -> None:
    assert onwatch("apply", "-f", write(tmp_path, CHANNELS), env=ENVIRONMENT).exit_code == 0
    before = database_state(db)
    for mistake, (line, message) in BAD.items():
        text = f"version: 1\nchannels:\n{line}\n"

        result = onwatch("apply", "-f", write(tmp_path, text, "bad.yaml"), env=BAD_ENVIRONMENT)

        assert result.exit_code == 3, mistake
        assert errors(result.stderr) == [
            message,
            f"nothing was changed (1 problem in {tmp_path / 'bad.yaml'})",
        ], mistake
        assert "s3cr3t" not in result.stderr and "1a2b" not in result.stderr  # never echoed
        assert database_state(db) == before, mistake
