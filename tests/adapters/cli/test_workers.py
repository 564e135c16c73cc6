"""`serve --workers`: a worker's wake-up reaches the engine in the parent process."""

from __future__ import annotations

import os
import threading

from onwatch.cli.workers import WakeupPipe


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
