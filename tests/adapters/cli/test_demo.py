"""`onwatch demo`: every example in a fresh database, demo logins, and a server to look at."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from onwatch.auth import actions as auth
from onwatch.cli.demo import ADMIN, VIEWER
from onwatch.cli.main import cli
from onwatch.config.apply import current_specs
from onwatch.core.db import Database
from tests.adapters.cli.conftest import EXAMPLES, Onwatch
from tests.conftest import START as NOW
from tests.conftest import unavailable


def demo(tmp_path: Path, *args: str, database_url: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli,
        ["demo", *args],
        env={"ONWATCH_DATA_DIR": str(tmp_path / "data"), "ONWATCH_DATABASE_URL": database_url},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {key: len(items) for key, items in current_specs(session).items()}


def test_demo_loads_every_example_into_a_fresh_sqlite_file_with_demo_logins(
    tmp_path: Path,
) -> None:
    code, out, err = demo(tmp_path, "--load-only")
    assert code == 0, err
    database = (tmp_path / "data" / "demo.db").resolve()
    lines = out.splitlines()
    assert lines[:3] == [
        f"onwatch demo: loaded 5 example files from {EXAMPLES} (000-appointments.yaml, "
        "001-mobile.yaml, 002-check-in.yaml, 003-prod-squad.yaml, 004-platform-rotation.yaml)",
        f"onwatch demo: database sqlite:///{database}",
        "onwatch demo: to use it from other commands (onwatch incidents list, …), first run: "
        f"export ONWATCH_DATABASE_URL=sqlite:///{database}",
    ]
    assert lines[-1] == "onwatch demo: log in as demo / onwatch-demo"
    db = Database(f"sqlite:///{database}")
    try:
        with db.read() as session:
            assert auth.authenticate(session, *ADMIN).role == "admin"
            assert auth.authenticate(session, *VIEWER).role == "viewer"
        loaded = counts(db)
    finally:
        db.dispose()
    assert loaded["people"] == 43
    assert loaded["teams"] == 16
    assert loaded["services"] == 32


def test_demo_replaces_its_database_each_run(tmp_path: Path) -> None:
    demo(tmp_path, "--load-only")
    database = tmp_path / "data" / "demo.db"
    db = Database(f"sqlite:///{database}")
    with db.transaction() as session:
        auth.create_user(
            session, username="stray", password="x" * 12, role="viewer", actor="t", now=NOW
        )
    db.dispose()

    code, _, err = demo(tmp_path, "--load-only")

    assert code == 0, err
    db = Database(f"sqlite:///{database}")
    with db.read() as session, pytest.raises(Exception, match="wrong username"):
        auth.authenticate(session, "stray", "x" * 12)
    db.dispose()


def test_demo_loads_into_onwatch_database_url_and_the_examples_do_not_collide(
    db: Database, onwatch: Onwatch, tmp_path: Path
) -> None:
    code, _, err = demo(tmp_path, "--load-only", database_url=db.url)
    assert code == 0, err
    assert not (tmp_path / "data" / "demo.db").exists()
    # Loaded together, no example changes what another declared: each applies with no changes.
    for example in sorted(EXAMPLES.glob("*.yaml")):
        assert onwatch("apply", "-f", str(example)).stdout == "no changes\n", example.name
    again = demo(tmp_path, "--load-only", database_url=db.url)
    assert again[0] == 0, again[2]


def test_demo_refuses_a_database_that_holds_a_real_installation(
    db: Database, tmp_path: Path
) -> None:
    with db.transaction() as session:
        auth.create_user(
            session, username="admin", password="s3cret-pass", role="admin", actor="t", now=NOW
        )
    code, out, err = demo(tmp_path, "--load-only", database_url=db.url)
    assert code == 3
    assert out == ""
    assert err.startswith("error: the database already holds data that is not a previous demo's")
    assert counts(db) == {key: 0 for key in counts(db)}


def test_demo_without_an_examples_folder_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = demo(tmp_path, "--load-only", "--examples", str(tmp_path / "nowhere"))
    assert code == 3
    assert err == (
        f"error: no examples folder at {tmp_path / 'nowhere'}; onwatch demo needs a source "
        "checkout of onwatch, or pass --examples DIR\n"
    )


def test_demo_names_the_example_file_of_each_problem(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    folder.mkdir()
    (folder / "broken.yaml").write_text("teams:\n  - {name: core, tech_lead: zed}\n")
    code, _, err = demo(tmp_path, "--load-only", "--examples", str(folder))
    assert code == 3
    assert err == "error: broken.yaml: teams[0].tech_lead: no person 'zed' (line 2)\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    port = _free_port()
    env = {**os.environ, "ONWATCH_DATA_DIR": str(tmp_path / "data"), "ONWATCH_PORT": str(port)}
    env.pop("ONWATCH_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from onwatch.cli.main import main; main()", "demo"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # blocks until the server says it listens; no timer
            lines.append(line.rstrip())
            if line.startswith("onwatch: ready at"):
                break
        else:
            pytest.fail("demo exited before it was ready:\n" + "\n".join(lines))
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_demo_serves_the_examples_and_prints_the_url_and_a_working_login(
    served_demo: tuple[str, list[str]],
) -> None:
    url, lines = served_demo
    assert f"onwatch demo: open {url}" in lines
    login = next(
        m for line in lines if (m := re.search(r"log in as (\S+) / (\S+) \(admin\)", line))
    )
    assert (login.group(1), login.group(2)) == ADMIN

    with httpx.Client(base_url=url) as browser:
        form = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        response = browser.post(
            "/login",
            data={
                "username": login.group(1),
                "password": login.group(2),
                "csrf_token": csrf.group(1),
                "next": "/services",
            },
        )
        assert response.status_code == 303
        page = browser.get("/services")
        assert page.status_code == 200
        for service in ("booking-api", "mobile-app", "arrival-kiosk", "docket-router", "relay-api"):
            assert service in page.text


def test_demo_prints_a_key_per_format_and_a_curl_that_opens_an_incident(
    served_demo: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = served_demo
    keys = {
        line.split()[0]: line.split()[1]
        for line in lines[lines.index("onwatch demo: integration keys feeding booking-api, "
                                      "one per format:") + 1:][:5]
    }  # fmt: skip
    assert sorted(keys) == ["alertmanager", "datadog", "generic", "grafana", "pagerduty"]
    # PagerDuty's format takes 32 hexadecimal characters, as PagerDuty's own keys are.
    assert re.fullmatch(r"[0-9a-f]{32}", keys.pop("pagerduty"))
    assert all(key.startswith("owi_") for key in keys.values())
    curl = lines[lines.index("onwatch demo: open an incident:") + 1].strip()
    assert curl.startswith(f"curl -sS {url}/api/v1/intake/generic/{keys['generic']} ")
    if shutil.which("curl") is None:
        unavailable("curl", "not on PATH")
    sent = subprocess.run(shlex.split(curl), capture_output=True, text=True, check=True)
    assert json.loads(sent.stdout)["created"] == 1

    # Later commands reach the same database through the line the demo printed.
    export = next(line for line in lines if "export ONWATCH_DATABASE_URL=" in line)
    database = shlex.split(export.split("first run: ")[1])[1].split("=", 1)[1]
    later = CliRunner().invoke(cli, ["incidents", "list", "--json"],
                               env={"ONWATCH_DATABASE_URL": database})  # fmt: skip
    [incident] = json.loads(later.stdout)["items"]
    assert (incident["service"], incident["title"], incident["status"]) == (
        "booking-api", "Appointments API: p95 latency over 8 s", "triggered")  # fmt: skip
    listed = CliRunner().invoke(cli, ["integrations", "list", "--json"],
                                env={"ONWATCH_DATABASE_URL": database})  # fmt: skip
    assert {(i["name"], i["type"]) for i in json.loads(listed.stdout)["items"]} >= {
        (f"demo-{kind}", kind) for kind in keys
    }
