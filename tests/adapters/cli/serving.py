"""`onwatch serve` as an operator starts it: a subprocess on a free loopback port and a fresh
data directory, its output read line by line as it comes (tests wait on lines, not timers)."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Only a safety net for a server that hangs: every wait ends as soon as its line comes.
PATIENCE = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def onwatch_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a command on the SQLite file under tmp_path/data."""
    env = {**os.environ, "ONWATCH_DATA_DIR": str(tmp_path / "data")}
    env.pop("ONWATCH_DATABASE_URL", None)
    env.update({f"ONWATCH_{name.upper()}": value for name, value in settings.items()})
    return env


class Served:
    """A running `onwatch serve`: its process, base URL and every line it has printed."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url
        self.lines: list[str] = []
        self._incoming: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, name="serve-output", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._incoming.put(line.rstrip())
        self._incoming.put(None)

    def wait_for(self, wanted: str | Callable[[str], bool]) -> str:
        """The first line from now on that contains `wanted` (or satisfies it)."""
        matches = wanted if callable(wanted) else (lambda line: wanted in line)
        while True:
            try:
                line = self._incoming.get(timeout=PATIENCE)
            except queue.Empty:
                pytest.fail(f"no line {wanted!r} in {PATIENCE:g} s:\n" + "\n".join(self.lines))
            if line is None:
                pytest.fail(f"serve ended before {wanted!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if matches(line):
                return line

    def children(self) -> set[int]:
        pid = self.process.pid
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}

    def ended(self) -> int:
        """Wait for the process to end (reading all it printed); its exit status."""
        while True:
            try:
                line = self._incoming.get(timeout=PATIENCE)
            except queue.Empty:
                pytest.fail("serve did not end:\n" + "\n".join(self.lines))
            if line is None:
                return self.process.wait(timeout=PATIENCE)
            self.lines.append(line)


@contextmanager
def serving(tmp_path: Path, *args: str, scheme: str = "http", **settings: str) -> Iterator[Served]:
    """`onwatch serve ARGS…` until the block ends (then SIGTERM), once it says it is ready."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "onwatch.cli.main", "serve", *args],
        env=onwatch_env(tmp_path, port=str(port), **settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, f"{scheme}://127.0.0.1:{port}")
    try:
        served.wait_for(lambda line: line.startswith("onwatch: ready at"))
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=PATIENCE)
