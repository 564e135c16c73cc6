"""The HTTP protocol's own cost per request, without sockets or a database: uvicorn's httptools
protocol against onwatch's (cli/http_protocol.py: head size cap, read deadlines), each fed the
same small PagerDuty-sized POSTs on kept-alive connections, in one process, one after the
other, rounds alternating. Prints CPU microseconds per request for each and the difference.
bench/intake.py measures the whole server; on a shared machine its spread hides a difference
of this size, which this one shows.

    .venv/bin/python bench/http_protocol.py [--requests 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import uvicorn
import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from onwatch.cli.http_protocol import HttpLimits, limited_protocol

BODY = (
    b'{"routing_key":"owi_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG","event_action":"trigger",'
    b'"dedup_key":"disk-db1","payload":{"summary":"disk full on db1","source":"db1",'
    b'"severity":"error"}}'
)
REQUEST = (
    b"POST /v2/enqueue HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\n"
    b"Accept: */*\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
    % (len(BODY), BODY)
)
CONNECTIONS = 16


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send(
        {"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


class Transport(asyncio.Transport):
    """Takes what the protocol writes and drops it."""

    def __init__(self) -> None:
        super().__init__()
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 40000)}.get(name)

    def write(self, data: Any) -> None:
        pass

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def run(protocol_class: type[asyncio.Protocol], requests: int) -> float:
    """CPU seconds for `requests` requests spread over CONNECTIONS connections."""
    config = uvicorn.Config(
        app, http=protocol_class, ws="none", log_level="warning", access_log=False, lifespan="off"
    )
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    protocols = []
    for _ in range(CONNECTIONS):
        protocol = config.http_protocol_class(
            config=config, server_state=state, app_state={}, _loop=loop
        )
        protocol.connection_made(Transport())
        protocols.append(protocol)
    started = time.process_time()
    for _ in range(requests // CONNECTIONS):
        for protocol in protocols:
            protocol.data_received(REQUEST)
        while state.tasks:  # let every request's task answer before the next round
            await asyncio.sleep(0)
    spent = time.process_time() - started
    for protocol in protocols:
        protocol.connection_lost(None)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    limited = limited_protocol(HttpLimits(16 * 1024, 10.0, 30.0))
    kinds = {"uvicorn httptools": HttpToolsProtocol, "onwatch (limits)": limited}
    spent: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(args.rounds):
        for name, kind in kinds.items():
            seconds = uvloop.run(run(kind, args.requests))
            spent[name].append(seconds / args.requests * 1e6)
    print(
        f"{args.requests:,} POSTs of {len(REQUEST)} bytes on {CONNECTIONS} kept-alive connections,"
        f" {args.rounds} rounds (median, min of CPU µs a request)"
    )
    for name, values in spent.items():
        print(f"  {name:<20} {statistics.median(values):6.2f}  {min(values):6.2f}")
    base, ours = (statistics.median(v) for v in spent.values())
    share = (ours / base - 1) * 100
    print(f"  difference           {ours - base:+6.2f} µs a request ({share:+.1f} %)")


if __name__ == "__main__":
    main()
