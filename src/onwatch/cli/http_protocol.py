"""The HTTP/1.1 protocol `onwatch serve` runs: uvicorn's httptools protocol with what it lacks,
a cap on the size of a request's head (431) and deadlines for receiving a request (a client
that sends its headers a byte at a time, or declares a body it never sends, is dropped).

uvicorn arms no timer until a response is sent, and its keep-alive timer is cancelled by any
byte received; httptools (llhttp) buffers a header of any size. Both are checked here, where
the bytes arrive, and cost nothing for a request whose head and body come in one read."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from onwatch.web.errors import error_body


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int
    header_timeout: float  # from the connection or a request's first read to its last header
    body_timeout: float  # from the last header to the end of the body


def limited_protocol(limits: HttpLimits) -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn (Config(http=…)), bound to `limits`."""
    return type("LimitedHttpProtocol", (LimitedHttpProtocol,), {"limits": limits})


_IDLE, _HEAD, _BODY, _DISCARDING = 0, 1, 2, 3


class _HeadTooLarge(Exception):
    """Raised in a parser callback: httptools stops parsing and re-raises it as the context of
    an HttpParserCallbackError."""


_base = HttpToolsProtocol


class LimitedHttpProtocol(HttpToolsProtocol):
    limits: HttpLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = _IDLE
        self._deadline: asyncio.TimerHandle | None = None
        self._read = 0  # bytes in the read being parsed
        self._begun = 0  # requests begun in that read
        self._head_bytes = 0  # bytes of the current head read so far

    # The connection.

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A connection that never sends a request goes too (quietly: nothing to answer).
        self._arm(self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's, with a refused head answered 431 instead of 400.
        if self._phase == _DISCARDING:
            return
        self._unset_keepalive_if_required()
        self._read, self._begun, idle = len(data), 0, self._phase == _IDLE
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, _HeadTooLarge):
                self._too_large()
            else:
                self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._phase == _IDLE:
            return  # the usual case: every request of this read came whole
        if self._phase == _HEAD:
            # A read that also ends an earlier (pipelined) request is not counted: which of its
            # bytes are this head's is not known. Such a head is refused one read late.
            if not self._begun or (self._begun == 1 and idle):
                self._head_bytes += self._read
            if self._head_bytes > self.limits.max_header_bytes:
                self._too_large()
                return
        if self._deadline is None:
            timeout = (
                self.limits.header_timeout if self._phase == _HEAD else self.limits.body_timeout
            )
            self._arm(timeout)

    # Parser callbacks.

    # The base class's callbacks are called directly, not through super(): these run for every
    # request, and each lookup is a measurable share of the protocol's cost.

    def on_message_begin(self) -> None:
        self._phase, self._head_bytes = _HEAD, 0
        self._begun += 1
        _base.on_message_begin(self)

    def on_headers_complete(self) -> None:
        # A head that began and ended in this read is no larger than the read.
        if not (self._begun and self._read <= self.limits.max_header_bytes):
            size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if size > self.limits.max_header_bytes:
                raise _HeadTooLarge()
        self._phase = _BODY
        if self._deadline is not None:
            self._disarm()
        _base.on_headers_complete(self)

    def on_message_complete(self) -> None:
        self._phase = _IDLE
        if self._deadline is not None:
            self._disarm()
        _base.on_message_complete(self)

    # Deadlines and refusals.

    def _arm(self, seconds: float) -> None:
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._phase == _DISCARDING:
            self.transport.close()
            return
        if self._phase == _HEAD:
            seconds = self.limits.header_timeout
            self._refuse(408, "timeout", f"request headers: not received within {seconds:g} s")
            return
        cycle = self.cycle
        if self._phase == _BODY and cycle is not None and not cycle.response_complete:
            # The app waits for the body: it is told the client has gone, and answers nothing.
            answered = cycle.response_started
            cycle.disconnected = True
            cycle.message_event.set()
            if not answered:
                seconds = self.limits.body_timeout
                self._refuse(408, "timeout", f"request body: not received within {seconds:g} s")
                return
        self.transport.close()

    def _too_large(self) -> None:
        limit = self.limits.max_header_bytes
        self._refuse(431, "headers_too_large", f"request headers: larger than {limit} bytes")

    def _invalid(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self.send_400_response(message)

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer `status` with the project's error body and close; only close while the
        response to an earlier (pipelined) request is still being sent."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.disconnected:
            self.transport.close()
            return
        body = json.dumps(error_body(code, message)).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head.append(
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)
        )
        self.transport.write(b"".join([*head, body]))
        self._linger()

    def _linger(self) -> None:
        """Close after the answer without losing it: closing a socket that still has unread
        bytes sends a reset, which can overtake the answer. So the sending side is shut,
        what the client still sends is read and dropped, and the socket closes when the client
        closes its side, or after a second or two at most."""
        if not self.transport.can_write_eof():  # TLS: a close_notify follows the answer
            self.transport.close()
            return
        self._phase = _DISCARDING
        self._disarm()
        self.transport.write_eof()
        self._arm(min(self.limits.header_timeout, 2.0))
