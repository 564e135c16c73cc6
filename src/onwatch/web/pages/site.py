"""Mounting the web UI on an app: the page modules with their nav links, the templates, and a
page (not JSON) for a browser that asks for an address that does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from onwatch.web.errors import error_body
from onwatch.web.pages.nav import Nav, NavLink
from onwatch.web.pages.render import problem, when

TEMPLATES = Path(__file__).parent.parent / "templates"
MACHINE_PREFIXES = ("/api/", "/v2/", "/static/", "/healthz", "/readyz", "/metrics")


class PageModule(Protocol):
    """What a pages module offers: its routes (built with `PageRoute`) and its nav links."""

    router: APIRouter
    NAV: Sequence[NavLink]


def install(app: FastAPI, modules: Sequence[PageModule]) -> Nav:
    """Include each module's pages and links. Later capabilities add their module to the list
    in `create_app`; a module may also `app.state.nav.add(...)` links of its own."""
    nav = Nav()
    for module in modules:
        app.include_router(module.router)
        nav.add(module.NAV)
    environment = Jinja2Templates(directory=str(TEMPLATES))
    environment.env.filters["when"] = when
    app.state.nav = nav
    app.state.templates = environment
    app.add_exception_handler(404, _unknown_address)
    return nav


def _wants_page(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        MACHINE_PREFIXES
    )


async def _unknown_address(request: Request, error: Exception) -> Response:
    detail = getattr(error, "detail", "Not Found")
    if not _wants_page(request):
        status = error.status_code if isinstance(error, HTTPException) else 404
        return JSONResponse(error_body(f"http_{status}", str(detail)), status_code=status)
    return problem(request, 404, "Not found", f"There is no page at {request.url.path}.")
