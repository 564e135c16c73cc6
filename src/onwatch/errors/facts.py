"""What an issue keeps of one event, read from its Sentry payload: release, environment, level,
who it hit (user and client IP), the request URL, tags. Pure."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

LEVELS = ("debug", "info", "warning", "error", "fatal")
AUTO_IP = "{{auto}}"


@dataclass(frozen=True)
class Facts:
    release: str | None
    environment: str | None
    level: str
    user_key: str | None  # id:…, email:…, username:… or ip:…
    ip: str | None
    url: str | None
    tags: list[tuple[str, str]]


def facts_of(event: dict[str, Any], peer: str | None) -> Facts:
    """`peer` is the address the request came from, used only where the SDK asks for it
    (`ip_address: "{{auto}}"`, as browser SDKs send)."""
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    request = event.get("request") if isinstance(event.get("request"), dict) else {}
    env = request.get("env") if isinstance(request.get("env"), dict) else {}
    ip = _ip(user.get("ip_address"), peer) or _ip(env.get("REMOTE_ADDR"), None)
    user_key = None
    for field in ("id", "email", "username"):
        value = user.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            user_key = f"{field}:{value}"[:200]
            break
    if user_key is None and ip is not None:
        user_key = f"ip:{ip}"
    level = event.get("level")
    url = request.get("url")
    return Facts(
        release=_short(event.get("release"), 200),
        environment=_short(event.get("environment"), 64),
        level=level if level in LEVELS else "error",
        user_key=user_key,
        ip=ip,
        url=url[:2000] if isinstance(url, str) and url else None,
        tags=_tags(event.get("tags")),
    )


def _ip(value: Any, peer: str | None) -> str | None:
    if value == AUTO_IP:
        value = peer
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _short(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _tags(tags: Any) -> list[tuple[str, str]]:
    """Tags as SDKs send them, a mapping or a list of pairs, as (key, value) strings."""
    pairs = tags.items() if isinstance(tags, dict) else tags if isinstance(tags, list) else ()
    found: list[tuple[str, str]] = []
    for pair in pairs:
        if isinstance(pair, tuple | list) and len(pair) == 2:
            key, value = pair
            if isinstance(key, str) and isinstance(value, str | int | float | bool):
                found.append((key[:32], str(value)[:200]))
    return found[:50]
