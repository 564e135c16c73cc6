"""Envelopes and events shaped as the Sentry SDKs send them, for tests and the bench."""

from __future__ import annotations

import uuid
from typing import Any

import orjson


def exception_event(
    function: str = "checkout", module: str = "shop.views", **more: Any
) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4().hex,
        "level": "error",
        "platform": "python",
        "release": "shop@2.0.0",
        "environment": "production",
        "timestamp": "2026-03-02T14:00:00Z",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "order 1234 not found",
                    "module": None,
                    "mechanism": {"type": "generic", "handled": True},
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "django/core/handlers/base.py",
                                "module": "django.core.handlers.base",
                                "function": "_get_response",
                                "lineno": 197,
                                "in_app": False,
                            },
                            {
                                "filename": "shop/views.py",
                                "module": module,
                                "function": function,
                                "lineno": 42,
                                "context_line": "    order = load(order_id)",
                                "in_app": True,
                            },
                        ]
                    },
                }
            ]
        },
        "request": {"url": "https://shop.example/cart", "method": "POST"},
        "user": {"id": "u-1", "ip_address": "203.0.113.7"},
        "tags": {"browser": "Firefox"},
        **more,
    }


def envelope(*items: tuple[dict[str, Any], bytes], event_id: str | None = None) -> bytes:
    header: dict[str, Any] = {"sent_at": "2026-03-02T14:00:00Z"}
    if event_id is not None:
        header["event_id"] = event_id
    lines = [orjson.dumps(header)]
    for item_header, payload in items:
        lines.append(orjson.dumps({**item_header, "length": len(payload)}))
        lines.append(payload)
    return b"\n".join(lines) + b"\n"


def event_envelope(event: dict[str, Any]) -> bytes:
    return envelope(({"type": "event"}, orjson.dumps(event)), event_id=event["event_id"])


def auth(public_key: str) -> dict[str, str]:
    return {
        "X-Sentry-Auth": f"Sentry sentry_key={public_key}, sentry_version=7, "
        "sentry_client=sentry.python/3.0.0"
    }
