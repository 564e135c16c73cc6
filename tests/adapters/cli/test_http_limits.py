"""What `onwatch serve` does with clients that misbehave below HTTP's request: a head over the
size cap is answered 431; a head or a body that does not arrive in time, 408, and the
connection is closed. Raw sockets against the real server, one process and several."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.adapters.cli.serving import PATIENCE, Served, serving

HEAD = b"GET /healthz HTTP/1.1\r\nHost: onwatch\r\n"


@pytest.fixture(scope="module", params=["1", "2"], ids=["one-process", "two-workers"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with serving(
        tmp_path_factory.mktemp("limits"),
        "--workers",
        request.param,
        "--no-engine",
        max_header_bytes="4096",
        header_timeout_seconds="0.5",
        body_timeout_seconds="0.5",
    ) as served:
        yield served
        served.process.terminate()
        assert served.ended() == 0
    # Dropping a client is no error of the server's: no traceback for any of them.
    assert not [line for line in served.lines if "Traceback" in line or "ERROR" in line]


def _connect(server: Served) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    connection = socket.create_connection(("127.0.0.1", port))
    connection.settimeout(PATIENCE)  # a safety net only: each read ends with the server's close
    return connection


def _until_closed(connection: socket.socket) -> bytes:
    received = b""
    with connection:
        while chunk := connection.recv(65536):
            received += chunk
    return received


def _answer(received: bytes) -> tuple[str, dict[str, str], dict]:  # type: ignore[type-arg]
    head, _, body = received.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    return status, headers, json.loads(body)


def test_a_head_within_the_cap_is_served_and_the_connection_kept(server: Served) -> None:
    connection = _connect(server)
    padding = b"X-Padding: " + b"p" * 3000 + b"\r\n"
    connection.sendall(HEAD + padding + b"\r\n" + HEAD + b"Connection: close\r\n\r\n")
    received = _until_closed(connection)
    assert received.count(b"HTTP/1.1 200 OK") == 2


def test_a_head_over_the_cap_is_answered_431_and_closed(server: Served) -> None:
    connection = _connect(server)
    connection.sendall(HEAD + b"X-Padding: " + b"p" * 5000 + b"\r\n\r\n")
    status, headers, body = _answer(_until_closed(connection))
    assert status == "HTTP/1.1 431 Request Header Fields Too Large"
    assert headers["connection"] == "close"
    assert body["error"] == {
        "code": "headers_too_large",
        "message": "request headers: larger than 4096 bytes",
        "fields": [],
    }


def test_a_head_that_never_ends_is_refused_once_it_passes_the_cap(server: Served) -> None:
    connection = _connect(server)
    connection.sendall(HEAD + b"X-Padding: " + b"p" * 64 * 1024)  # and no end of the head
    status, _, body = _answer(_until_closed(connection))
    assert status == "HTTP/1.1 431 Request Header Fields Too Large"
    assert body["error"]["code"] == "headers_too_large"


def test_a_head_that_stops_half_way_is_answered_408_and_closed(server: Served) -> None:
    connection = _connect(server)
    connection.sendall(HEAD + b"X-Slow: a")
    status, headers, body = _answer(_until_closed(connection))
    assert status == "HTTP/1.1 408 Request Timeout"
    assert headers["connection"] == "close"
    assert body["error"]["message"] == "request headers: not received within 0.5 s"


def test_a_head_sent_a_byte_at_a_time_is_cut_off_at_the_deadline(server: Served) -> None:
    head = HEAD + b"X-Slow: " + b"a" * 2000 + b"\r\n\r\n"
    connection = _connect(server)
    connection.settimeout(0.05)  # the pace of the trickle: a byte, then a wait for an answer
    received = b""
    for sent in range(len(head)):  # 2 KiB at about 20 bytes a second: 100 s if never cut off
        connection.sendall(head[sent : sent + 1])
        try:
            received = connection.recv(65536)
            break
        except TimeoutError:
            continue
    connection.settimeout(PATIENCE)
    status, _, body = _answer(received + _until_closed(connection))
    assert status == "HTTP/1.1 408 Request Timeout"
    assert sent < len(head) - 1  # cut off while the head was still coming
    assert body["error"]["message"] == "request headers: not received within 0.5 s"


def test_a_declared_body_that_never_comes_is_answered_408_and_closed(server: Served) -> None:
    connection = _connect(server)
    connection.sendall(
        b"POST /v2/enqueue HTTP/1.1\r\nHost: onwatch\r\nContent-Type: application/json\r\n"
        b'Content-Length: 200\r\n\r\n{"routing_key": '
    )
    status, headers, body = _answer(_until_closed(connection))
    assert status == "HTTP/1.1 408 Request Timeout"
    assert headers["connection"] == "close"
    assert body["error"]["message"] == "request body: not received within 0.5 s"


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(server: Served) -> None:
    assert _until_closed(_connect(server)) == b""
