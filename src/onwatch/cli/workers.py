"""`onwatch serve --workers N`: N HTTP processes on one listening socket and the engine in a
process of its own, watched by the parent.

One Python process runs Python on one core at a time; intake (parsing bodies, answering
requests) is CPU work, so a busy install serves HTTP from several processes. The parent binds
the socket and forks the children: each opens its own database connections; the workers run
uvicorn on the shared socket (the kernel spreads connections between them), the engine process
runs the engine loop. On SQLite the workers' writes take turns on the database's write lock
(core.db). A worker that has news for the engine (an incident opened, a silence ended) wakes it
through a pipe (WakeupPipe).

The parent then only watches, as gunicorn's arbiter does (Supervisor): a child that dies is
started again and the restart logged; one that keeps dying as soon as it starts makes the
parent stop the others and exit 1, for the service manager to restart onwatch. The parent runs
no thread and holds no database connection, so every fork, the first or a restart, copies a
process with no lock held by another thread and nothing open but the socket and the pipe."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import typer

log = logging.getLogger("onwatch.workers")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@dataclass
class Child:
    """One process the parent keeps running: `run` is called in it after the fork; its return
    ends the process with status 0, an exception with 1."""

    name: str
    run: Callable[[], None]
    pid: int = 0
    started_at: float = 0.0
    streak: int = 0  # deaths in a row, each soon after a start
    due: float | None = None  # when to start it again


class Supervisor:
    """Starts the children, starts again one that dies, and stops them all on SIGINT or
    SIGTERM. A child that dies within STEADY seconds of starting waits before its next start,
    FIRST_DELAY doubling each time; the GIVE_UP-th such death in a row ends the watch."""

    STEADY = 10.0
    FIRST_DELAY = 0.1
    MAX_DELAY = 5.0
    GIVE_UP = 5
    STOP_GRACE = 30.0  # then SIGKILL for a child that has not ended on SIGTERM

    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self._stop_requested = False
        self._stopping_since: float | None = None
        self._gave_up = False
        self._status = 0
        self._pipe: tuple[int, int] = (-1, -1)

    def run(self, started: Callable[[], None]) -> int:
        """Start every child, call `started`, and watch until they have all ended: 0 when
        stopped by a signal and every child ended cleanly, else 1."""
        self._pipe = os.pipe()
        for fd in self._pipe:
            os.set_blocking(fd, False)
        # Signals (SIGCHLD among them) write a byte to the pipe, so the wait below wakes for
        # a signal that arrives just before it starts.
        wakeup_fd = signal.set_wakeup_fd(self._pipe[1])
        handled = (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)
        previous = {number: signal.signal(number, self._signalled) for number in handled}
        try:
            for child in self.children:
                self._start(child)
            started()
            while True:
                self._reap()
                self._act()
                if self._finished():
                    break
                self._wait(self._timeout())
        except BaseException:
            for child in self._running():
                _signal(child.pid, signal.SIGTERM)
            raise
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(wakeup_fd)
            for fd in self._pipe:
                os.close(fd)
        return 1 if self._gave_up else self._status

    def _signalled(self, number: int, _frame: FrameType | None) -> None:
        if number != signal.SIGCHLD:
            self._stop_requested = True

    def _running(self) -> list[Child]:
        return [child for child in self.children if child.pid]

    def _finished(self) -> bool:
        return self._stopping_since is not None and not self._running()

    def _act(self) -> None:
        now = time.monotonic()
        if (self._stop_requested or self._gave_up) and self._stopping_since is None:
            self._stopping_since = now
            for child in self._running():
                _signal(child.pid, signal.SIGTERM)
        if self._stopping_since is not None:
            if now - self._stopping_since >= self.STOP_GRACE:
                for child in self._running():
                    log.warning("%s (pid %d) did not stop; killing it", child.name, child.pid)
                    _signal(child.pid, signal.SIGKILL)
            return
        for child in self.children:
            if not child.pid and child.due is not None and child.due <= now:
                self._start(child)

    def _timeout(self) -> float | None:
        if self._stopping_since is not None:
            return max(0.0, self._stopping_since + self.STOP_GRACE - time.monotonic())
        due = [child.due for child in self.children if not child.pid and child.due is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _wait(self, timeout: float | None) -> None:
        select.select([self._pipe[0]], [], [], timeout)
        with contextlib.suppress(BlockingIOError):
            while os.read(self._pipe[0], 512):
                pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = next((c for c in self.children if c.pid == pid), None)
            if child is not None:
                self._ended(child, status)

    def _ended(self, child: Child, status: int) -> None:
        pid, child.pid = child.pid, 0
        code = os.waitstatus_to_exitcode(status)
        if self._stopping_since is not None:
            if code != 0:
                self._status = 1
            return
        if self._gave_up:  # another child gave up in this same reap: onwatch stops once
            return
        now = time.monotonic()
        if now - child.started_at >= self.STEADY:
            child.streak = 0
        child.streak += 1
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited {code}"
        if child.streak >= self.GIVE_UP:
            self._gave_up = True
            typer.echo(
                f"error: {child.name} {how} (pid {pid}); it died {child.streak} times in a row, "
                f"each within {self.STEADY:g} s of starting: stopping onwatch",
                err=True,
            )
            return
        delay = min(self.FIRST_DELAY * 2 ** (child.streak - 1), self.MAX_DELAY)
        child.due = now + delay
        log.warning("%s %s (pid %d); starting it again in %.1f s", child.name, how, pid, delay)

    def _start(self, child: Child) -> None:
        # A fork copies only the calling thread: one holding a lock elsewhere would leave that
        # lock held forever in the child.
        if threading.active_count() > 1:
            raise RuntimeError("the parent of the workers must not run threads")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._child(child)
        child.pid, child.started_at, child.due = pid, time.monotonic(), None
        log.info("%s started (pid %d)", child.name, pid)

    def _child(self, child: Child) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for fd in self._pipe:
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            # uvicorn handles SIGINT and SIGTERM while it runs, then raises the signal again
            # for whatever handled it before: here, nothing more to do.
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, _already_stopping)
            child.run()
            code = 0
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 1
        except typer.Exit as error:  # it has said why
            code = error.exit_code or 1
        except BaseException:
            log.exception("%s failed", child.name)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just ended
        os.kill(pid, number)


def _already_stopping(_number: int, _frame: FrameType | None) -> None:
    return None


class WakeupPipe:
    """Engine wake-ups from the workers to the engine process: a worker's `event()` is a
    threading.Event whose set() also writes a byte to a pipe, and `relay` turns the bytes into
    set() of the engine's own Event. Made before the fork; the parent keeps both ends open for
    the children it starts again."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def event(self) -> threading.Event:
        """For a worker's AppContext.engine_wakeup."""
        return _PipedEvent(self._write)

    def relay(self, wakeup: threading.Event) -> threading.Thread:
        """In the engine's process, after the fork: sets `wakeup` for every byte, until every
        other process has closed its end."""
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
