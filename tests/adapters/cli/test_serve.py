"""`onwatch serve` from nothing: a fresh data directory becomes a running server with a login."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.adapters.cli.serving import PATIENCE, onwatch_env, serving


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with serving(tmp_path) as server:
        yield server.url, server.lines


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


ORG = """
services:
  - name: reader
integrations:
  - {name: reader-pd, service: reader, type: pagerduty}
"""


def test_serve_with_two_workers_stores_what_either_accepts_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    env = onwatch_env(tmp_path)
    applied = subprocess.run(
        [sys.executable, "-m", "onwatch.cli.main", "apply", "-f", "-"],
        env=env, input=ORG, text=True, capture_output=True, check=True,
    ).stdout
    key = re.search(r"key \(shown once\): (\S+)", applied).group(1)  # type: ignore[union-attr]
    with serving(tmp_path, "--workers", "2") as server:
        url, process = server.url, server.process
        assert "2 worker processes" in "\n".join(server.lines)
        children = server.children()
        assert len(children) == 3  # the workers and the engine

        def send(n: int) -> int:
            event = {"routing_key": key, "event_action": "trigger", "dedup_key": f"k{n % 10}",
                     "payload": {"summary": f"disk {n}", "source": "db1", "severity": "error"}}
            with httpx.Client(base_url=url) as client:  # a connection each: both workers serve
                return client.post("/v2/enqueue", json=event).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(send, range(80))) == {202}
        listed = subprocess.run(
            [sys.executable, "-m", "onwatch.cli.main", "alerts", "list", "--json"],
            env=env, text=True, capture_output=True, check=True,
        ).stdout
        alerts = json.loads(listed)["items"]
        assert sorted((a["dedup_key"], a["count"]) for a in alerts) == [
            (f"k{n}", 8) for n in range(10)]
        process.terminate()
        assert process.wait(timeout=30) == 0
    assert all(not Path(f"/proc/{child}").exists() for child in children)


def test_serve_on_a_busy_port_says_so_and_exits_7_without_saying_it_listens(
    tmp_path: Path,
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        ended = subprocess.run(  # one process or several, serve binds before it branches
            [sys.executable, "-m", "onwatch.cli.main", "serve", "--workers", "2"],
            env=onwatch_env(tmp_path, port=str(port)),
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
    assert ended.returncode == 7
    said = ended.stderr.strip()
    assert said == f"error: cannot listen on 127.0.0.1:{port}: the address is in use"
    assert "listening" not in ended.stdout
    assert not (tmp_path / "data" / "onwatch.db").exists()  # nothing done before the bind
