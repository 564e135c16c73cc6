"""`onwatch serve --workers N`: N HTTP processes on one listening socket.

One Python process runs Python on one core at a time; intake (parsing bodies, answering
requests) is CPU work, so a busy install serves HTTP from several processes. The parent binds
the socket, forks the workers (each opens its own database connections and runs its own
uvicorn on the shared socket, the kernel spreading connections between them) and stays to run
the engine and to pass a stop signal on. On SQLite the workers' writes take turns on the
database's write lock (core.db). A worker that has news for the engine (an incident opened, a
silence ended) wakes it through a pipe (WakeupPipe)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def fork_workers(count: int, serve: Callable[[int], None]) -> list[int]:
    """Start `count` processes, each running `serve(index)` until it returns; their pids.
    Call before the parent starts any thread: a fork copies only the calling thread."""
    pids = []
    for index in range(count):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                # uvicorn handles SIGINT and SIGTERM while it runs, then raises the signal
                # again for whatever handled it before: here, nothing more to do.
                for number in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(number, _already_stopping)
                serve(index)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    return pids


def _already_stopping(_number: int, _frame: FrameType | None) -> None:
    return None


def wait_for_workers(pids: list[int], on_stop: Callable[[], None]) -> int:
    """Wait until every worker has ended; a SIGINT or SIGTERM to the parent is passed on to
    them (and calls `on_stop`). Exit status: 0 if every worker ended cleanly."""
    running = set(pids)

    def stop(_number: int, _frame: FrameType | None) -> None:
        on_stop()
        for pid in running:
            with contextlib.suppress(ProcessLookupError):  # it has just ended
                os.kill(pid, signal.SIGTERM)

    previous = {n: signal.signal(n, stop) for n in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        while running:
            try:
                pid, code = os.wait()
            except ChildProcessError:
                break
            if pid in running:
                running.discard(pid)
                if code != 0:
                    status = 1
                    stop(signal.SIGTERM, None)  # one worker failed: stop the rest
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return status


class WakeupPipe:
    """Engine wake-ups from the workers to the parent, where the engine runs: a worker's
    `event()` is a threading.Event whose set() also writes a byte to a pipe, and `relay` turns
    the bytes into set() of the engine's own Event. Made before the fork."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def event(self) -> threading.Event:
        """For a worker's AppContext.engine_wakeup."""
        return _PipedEvent(self._write)

    def relay(self, wakeup: threading.Event) -> threading.Thread:
        """In the parent, after the fork: sets `wakeup` for every byte, until every worker has
        closed its end."""
        os.close(self._write)

        def run() -> None:
            while os.read(self._read, 512):
                wakeup.set()
            os.close(self._read)

        thread = threading.Thread(target=run, name="onwatch-wakeups", daemon=True)
        thread.start()
        return thread


class _PipedEvent(threading.Event):
    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def set(self) -> None:
        super().set()
        # A full pipe already holds a wake-up the engine has not read: nothing is lost.
        with contextlib.suppress(BlockingIOError):
            os.write(self._fd, b"!")
