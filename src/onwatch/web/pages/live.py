"""Pages that update in place: the whole page on a normal visit, only its changing part when
htmx asks (a filter typed, or a poll of a page that refreshes itself)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from onwatch.web.pages.render import is_htmx, page

# How often a page that refreshes itself (the overview, the incident and alert lists) asks
# again; templates poll with `hx-trigger="every {{ poll_seconds }}s"`, and static/onwatch.js
# pauses that while the tab is hidden.
POLL_SECONDS = 20


def page_or_part(request: Request, whole: str, part: str, **values: Any) -> Response:
    """Render `whole`, or only `part` (which `whole` includes) for htmx."""
    values.setdefault("poll_seconds", POLL_SECONDS)
    response = page(request, part if is_htmx(request) else whole, **values)
    # One URL, two bodies: a cache must not hand the fragment to a normal visit.
    response.headers["vary"] = "HX-Request"
    return response
