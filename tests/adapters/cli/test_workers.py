"""`serve --workers`: a worker's wake-up reaches the engine's process; a worker that dies is
started again, and one that keeps dying as it starts stops onwatch."""

from __future__ import annotations

import os
import re
import signal
import threading
from pathlib import Path

import httpx

from onwatch.cli.workers import Supervisor, WakeupPipe
from tests.adapters.cli.serving import serving


def test_a_worker_setting_its_wakeup_sets_the_engine_event_in_the_parent() -> None:
    pipe = WakeupPipe()
    pid = os.fork()
    if pid == 0:  # the worker: only what it does in serve_one's place, then gone
        code = 1
        try:
            event = pipe.event()
            for _ in range(70_000):  # more than a pipe holds (64 KiB): a full one must not block
                event.set()
            code = 0 if event.is_set() else 2
        finally:
            os._exit(code)
    wakeup = threading.Event()
    relay = pipe.relay(wakeup)
    assert os.waitpid(pid, 0)[1] == 0
    relay.join(timeout=60)  # ends when the worker's end of the pipe is closed
    assert not relay.is_alive()
    assert wakeup.is_set()


def test_the_parent_is_not_woken_without_a_worker_setting_it() -> None:
    pipe = WakeupPipe()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    wakeup = threading.Event()
    relay = pipe.relay(wakeup)
    assert os.waitpid(pid, 0)[1] == 0
    relay.join(timeout=60)
    assert not relay.is_alive()
    assert not wakeup.is_set()


def _pid(line: str) -> int:
    found = re.search(r"\(pid (\d+)\)", line)
    assert found is not None, line
    return int(found.group(1))


def test_a_worker_killed_with_sigkill_is_started_again_and_serves(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2") as server:
        workers = {_pid(line) for line in server.lines if re.search(r" worker \d started", line)}
        [engine] = [_pid(line) for line in server.lines if " engine started (pid" in line]
        assert len(workers) == 2
        assert server.children() == {*workers, engine}
        # What each fork copies: one thread (no lock held by another) and no connection.
        parent = server.process.pid
        assert os.listdir(f"/proc/{parent}/task") == [str(parent)]
        opened = [os.readlink(f"/proc/{parent}/fd/{fd}") for fd in os.listdir(f"/proc/{parent}/fd")]
        assert not [path for path in opened if path.endswith(("onwatch.db", "-wal", "-shm"))]

        replaced = {}
        for pid in sorted(workers):  # every worker, so only new ones are left to answer
            os.kill(pid, signal.SIGKILL)
            died = server.wait_for(f"was killed by SIGKILL (pid {pid}); starting it again")
            name = died.split(" onwatch.workers ")[1].split(" was killed")[0]
            replaced[pid] = _pid(server.wait_for(f"{name} started (pid"))

        assert set(replaced.values()).isdisjoint(workers)
        assert server.children() == {*replaced.values(), engine}
        for _ in range(4):
            with httpx.Client(base_url=server.url) as client:  # a new connection each
                assert client.get("/healthz").status_code == 200
        server.process.terminate()
        assert server.ended() == 0


def test_a_worker_that_dies_as_it_starts_again_and_again_stops_onwatch_with_status_1(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "--workers", "2") as server:
        workers = [_pid(line) for line in server.lines if "worker 1 started" in line]
        children = server.children()
        # The database is gone from under the server: a new worker finds no schema and exits.
        (tmp_path / "data").rename(tmp_path / "elsewhere")
        os.kill(workers[0], signal.SIGKILL)
        assert server.ended() == 1
    # Worker 1 dies first, but a child still opening the database as the directory moved dies
    # too and starts again the same way: whichever reaches five deaths first stops onwatch.
    gave_up = r"error: (worker \d|engine) exited 1 \(pid \d+\); it died (\d+) times in a row, each "
    gave_up += r"within 10 s of starting: stopping onwatch"
    [last] = [found for line in server.lines if (found := re.fullmatch(gave_up, line))]
    name = last[1]
    assert int(last[2]) == Supervisor.GIVE_UP
    restarts = [line for line in server.lines if f" {name} exited 1 " in line]
    assert len(restarts) == Supervisor.GIVE_UP - (1 if name == "worker 1" else 0)
    assert all(not Path(f"/proc/{child}").exists() for child in children)
