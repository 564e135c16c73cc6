"""`onwatch serve` from nothing: a fresh data directory becomes a running server with a login."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    port = _free_port()
    env = {**os.environ, "ONWATCH_DATA_DIR": str(tmp_path / "data"), "ONWATCH_PORT": str(port)}
    env.pop("ONWATCH_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "onwatch.cli.main", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # blocks until serve prints; no timer involved
            lines.append(line.rstrip())
            if line.startswith("onwatch: ready at"):
                break
        else:
            pytest.fail("serve exited before it was ready:\n" + "\n".join(lines))
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_on_a_fresh_directory_starts_on_sqlite_with_a_working_login(
    served: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = served
    database = (tmp_path / "data" / "onwatch.db").resolve()
    assert lines[0] == f"onwatch: database sqlite:///{database}"
    assert database.exists()
    password = next(
        m.group(1) for line in lines if (m := re.search(r"log in as admin / (\S+)", line))
    )

    with httpx.Client(base_url=url) as browser:
        form = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        response = browser.post(
            "/login",
            data={
                "username": "admin",
                "password": password,
                "csrf_token": csrf.group(1),
                "next": "/services",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/services"
        page = browser.get("/services")
        assert page.status_code == 200
        assert "Services" in page.text
        assert browser.get("/readyz").json()["database"] == "ok"
