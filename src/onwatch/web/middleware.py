"""ASGI middleware: request-size limit (413), Prometheus request metrics, security headers; and
the same three, done inline, for the few routes answered before FastAPI (DirectRoutes)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INTAKE_PREFIXES = ("/v2/", "/api/v1/intake/", "/heartbeats/")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'",
    ),
]
# What Starlette's ServerErrorMiddleware answers to an unexpected error (no security headers:
# it sits outside them).
_SERVER_ERROR = [(b"content-length", b"21"), (b"content-type", b"text/plain; charset=utf-8")]


def _too_large(limit: int) -> bytes:
    return json.dumps(
        {
            "error": {
                "code": "too_large",
                "message": f"body: larger than {limit} bytes",
                "fields": [],
            }
        }
    ).encode()


def _content_length(scope: Scope) -> bytes | None:
    declared = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = value  # the last one, as dict(headers) had it
    return declared


async def _refuse(send: Send, limit: int, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = _too_large(limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(extra or ()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over the limit: at once from Content-Length, else while streaming."""

    def __init__(self, app: ASGIApp, limit: int, intake_limit: int) -> None:
        self.app, self.limit, self.intake_limit = app, limit, intake_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.intake_limit if path.startswith(INTAKE_PREFIXES) else self.limit
        declared = _content_length(scope)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        if declared is not None:
            # The server reads exactly Content-Length bytes, so the check above is enough.
            await self.app(scope, receive, send)
            return
        # No length (chunked): read up to the limit here, then hand the body on.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await _refuse(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RequestMetrics:
    """Request counts and latencies by method, route template and status. Registered on first
    use, as when they were made with the middleware stack (on the first request): two apps on
    one context, as in some tests, register nothing twice unless both serve."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests: Counter | None = None
        self._latency: Histogram | None = None
        # Children by (method, route, status): labels() validates and locks on every call.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = self._children[method, route, status] = self._labelled(method, route, status)
        children[0].inc()
        children[1].observe(seconds)

    def _labelled(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        if self._requests is None or self._latency is None:
            self._requests = Counter(
                "onwatch_http_requests_total",
                "HTTP requests.",
                ["method", "route", "status"],
                registry=self.registry,
            )
            self._latency = Histogram(
                "onwatch_http_request_seconds",
                "HTTP request latency.",
                ["method", "route"],
                registry=self.registry,
                buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            )
        return (
            self._requests.labels(method, route, str(status)),
            self._latency.labels(method, route),
        )


class Metrics:
    """Request counts and latencies by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.record(scope["method"], template, status, time.perf_counter() - started)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


# A directly served route: given the scope and the whole body, the response to send.
DirectEndpoint = Callable[[Scope, bytes], Awaitable[Response]]
DirectFinder = Callable[[str], tuple[str, DirectEndpoint] | None]


class DirectRoutes:
    """POST routes answered straight from ASGI, before FastAPI's middleware chain, routing,
    dependency solving and exception handling, which cost a busy monitor's small requests
    more than all the rest of the HTTP work. `find(path)` names the route template and the
    endpoint, or None to leave the request to the app. What the stack does for every request
    is done here the same way: the body limit, metrics by route template, the security
    headers, and the bare 500 of an unexpected error, which goes on to the server's log."""

    def __init__(
        self,
        find: DirectFinder,
        metrics: RequestMetrics,
        limit: int,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self.find, self.metrics, self.limit = find, metrics, limit
        # The 413 decided here carries the routes' own headers too (the errors intake's CORS,
        # without which a browser SDK cannot read it), then the security headers.
        self.headers = [*(headers or ()), *SECURITY_HEADERS]

    def route(self, scope: Scope) -> tuple[str, DirectEndpoint] | None:
        # Behind a root path the app's router matches what is left of the path; leave it that.
        if scope["method"] != "POST" or scope.get("root_path"):
            return None
        return self.find(scope["path"])

    async def serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        template: str,
        endpoint: DirectEndpoint,
    ) -> None:
        started = time.perf_counter()
        route, status, responded = "unmatched", 500, False
        try:
            body = await self._body(scope, receive)
            if body is None:
                status, responded = 413, True
                await _refuse(send, self.limit, self.headers)
                return
            route = template
            response = await endpoint(scope, body)
            status, responded = response.status_code, True
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*response.raw_headers, *SECURITY_HEADERS],
                }
            )
            await send({"type": "http.response.body", "body": response.body})
        except ClientDisconnect:
            # Gone before its body was in (or dropped by the server's body deadline): no one
            # to answer, and not a server error. Counted as nginx counts it.
            route, status = template, 499
        except Exception:
            if not responded:
                await send({"type": "http.response.start", "status": 500, "headers": _SERVER_ERROR})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise
        finally:
            self.metrics.record("POST", route, status, time.perf_counter() - started)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None when it is over the limit: BodyLimit's rules, then
        Request.body()'s when a length was declared (the server reads exactly that many)."""
        declared = _content_length(scope)
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return None
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                if declared is not None:
                    raise ClientDisconnect()
                break  # BodyLimit hands on what came so far
            chunk = message.get("body", b"")
            if declared is None:
                seen += len(chunk)
                if seen > self.limit:
                    return None
            if not message.get("more_body", False):
                if not chunks:
                    return chunk  # the usual case: one message
                chunks.append(chunk)
                break
            chunks.append(chunk)
        return b"".join(chunks)
