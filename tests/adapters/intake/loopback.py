"""onwatch served by a real uvicorn on a free loopback port, in a thread of the test process, so
real HTTP clients (threads, Alertmanager) reach the app built on the test's database and clock."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from onwatch.web.app import create_app
from onwatch.web.context import AppContext


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def serving(ctx: AppContext) -> Iterator[str]:
    """The base URL of onwatch listening on loopback until the block ends."""
    port = free_port()
    server = _Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="onwatch-test-server", daemon=True)
    thread.start()
    try:
        if not server.ready.wait(30):
            raise RuntimeError("uvicorn did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
