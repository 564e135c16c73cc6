"""Text as receivers limit it: cut to a length with a visible marker, so a reader knows there
was more; and the lines every plain-text rendering shares (facts, then links)."""

from __future__ import annotations

from urllib.parse import urlsplit

from onwatch.notifications.messages import Link, Message

MARKER = "… (truncated)"


def clip(text: str, limit: int, marker: str = MARKER) -> str:
    """`text` if it fits in `limit` characters, else its start and the marker, in `limit`."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)].rstrip() + marker[:limit]


def one_line(text: str) -> str:
    """Line breaks and other control characters as spaces (titles, headers)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def facts(message: Message) -> list[tuple[str, str]]:
    """(label, value) pairs a reader scans first, those the message has."""
    found = [
        ("Severity", message.severity),
        ("Service", message.service),
        ("Status", message.status),
        ("Urgency", message.urgency),
        ("Incident", f"#{message.incident_id}" if message.incident_id is not None else None),
        ("Opened", message.opened_at.strftime("%Y-%m-%d %H:%M UTC") if message.opened_at else None),
    ]
    return [(label, str(value)) for label, value in found if value]


def actions(message: Message) -> list[Link]:
    """The links a reader acts on, in order: acknowledge and resolve (signed links, for a person),
    the incident page, then runbooks and the like. Only http(s) links: a link is a button or an
    href on most receivers, and another scheme (javascript:) must never become one."""
    found = [
        Link("Acknowledge", message.ack_url) if message.ack_url else None,
        Link("Resolve", message.resolve_url) if message.resolve_url else None,
        Link("Open incident", message.incident_url) if message.incident_url else None,
        *message.links,
    ]
    return [link for link in found if link is not None and is_web_url(link.url)]


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def plain(message: Message) -> str:
    """The whole message as plain text: body, facts, links (e-mail, ntfy, Apprise)."""
    lines = [message.text.rstrip(), ""]
    lines += [f"{label}: {value}" for label, value in facts(message)]
    links = actions(message)
    if links:
        lines += ["", *(f"{link.title}: {link.url}" for link in links)]
    return "\n".join(lines).strip() + "\n"
