"""The public report form, /report/{form}: no login. A protected form needs the token of the
link its team gave out (`?token=`, carried on as a hidden field). CSRF is a double-submit
cookie, as on the login form (an anonymous visitor has no session to bind a token to). A body
over REPORT_MAX_BYTES is a 413, a refused field re-renders the form naming it (422), the rate
limits answer 429 with Retry-After; nothing is stored on any refusal. A report redirects to a
thank-you page that shows the incident's number and nothing else of it."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from onwatch.core.errors import Invalid, RateLimited
from onwatch.core.tokens import same
from onwatch.incidents import reporting
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page, problem
from onwatch.web.params import Id
from onwatch.web.security import client_address, context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()
REPORT_CSRF_COOKIE = "onwatch_report_csrf"
# A report is a few lines of text: a larger body is a mistake or an attack.
REPORT_MAX_BYTES = 32 * 1024
FIELDS = ("name", "email", "service", "what", "users")
LIMITS = {
    "name": reporting.MAX_NAME,
    "email": reporting.MAX_EMAIL,
    "what": reporting.MAX_WHAT,
    "users": reporting.MAX_USERS,
}


def _form_page(
    request: Request,
    form_name: str,
    *,
    status: int = 200,
    token: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    """The form with a fresh double-submit token, so a refused post can simply be sent again."""
    ctx = context(request)
    with ctx.db.read() as session:
        form = reporting.get_form(session, form_name)
        reporting.check_token(form, token)
        heading = form.title or f"Report an incident ({form.name})"
        services = list(form.services)
    csrf = secrets.token_urlsafe(32)
    response = page(
        request,
        "report/form.html",
        status=status,
        heading=heading,
        form_name=form_name,
        services=services,
        token=token,
        report_csrf=csrf,
        values={name: "" for name in FIELDS} | (values or {}),
        errors=errors or {},
        error=error,
        limits=LIMITS,
    )
    response.set_cookie(
        REPORT_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        path="/report/",
    )
    return response


@router.get("/report/{form_name}", response_class=HTMLResponse)
def report_form(
    form_name: str, request: Request, token: str = Query("", max_length=512)
) -> Response:
    return _form_page(request, form_name, token=token)


@router.post("/report/{form_name}", response_class=HTMLResponse)
async def send_report(form_name: str, request: Request) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > REPORT_MAX_BYTES:
        return await run_in_threadpool(_too_large, request)
    posted = await request.form()
    size = sum(len(k) + (len(v) if isinstance(v, str) else getattr(v, "size", 0) or 0)
               for k, v in posted.multi_items())  # fmt: skip
    if size > REPORT_MAX_BYTES:
        return await run_in_threadpool(_too_large, request)
    text = {k: v for k, v in posted.items() if isinstance(v, str)}
    values = {name: text.get(name, "") for name in FIELDS}
    token = text.get("token", "")
    return await run_in_threadpool(
        _send, request, form_name, values, token, text.get("csrf_token", "")
    )


def _send(
    request: Request, form_name: str, values: dict[str, str], token: str, csrf: str
) -> Response:
    ctx = context(request)
    expected = request.cookies.get(REPORT_CSRF_COOKIE, "")
    if not expected or not csrf or not same(expected, csrf):
        return _form_page(
            request,
            form_name,
            status=403,
            token=token,
            values=values,
            error="This form had expired (or your browser did not keep its cookie). Nothing was "
            "sent: please send it again.",
        )
    report = reporting.Report(**values)
    try:
        with ctx.db.transaction() as session:
            done = reporting.submit(
                session,
                form_name,
                report,
                token=token or None,
                address=client_address(request),
                now=ctx.clock.now(),
            )
    except Invalid as refused:
        errors = {e.field: e.message for e in refused.errors}
        return _form_page(
            request,
            form_name,
            status=422,
            token=token,
            values=values,
            errors=errors,
            error="Nothing was sent yet: please correct the fields marked below.",
        )
    except RateLimited as limited:
        response = _form_page(
            request, form_name, status=429, token=token, values=values, error=limited.message
        )
        if limited.retry_after is not None:
            response.headers["Retry-After"] = str(limited.retry_after)
        return response
    target = f"/report/{form_name}/sent/{done.incident_id}"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(REPORT_CSRF_COOKIE, path="/report/")
    return response


@router.get("/report/{form_name}/sent/{incident_id}", response_class=HTMLResponse)
def report_sent(form_name: str, incident_id: Id, request: Request) -> Response:
    with context(request).db.read() as session:
        form = reporting.get_form(session, form_name)
        again = f"/report/{form.name}" if form.token_hash is None else None
    return page(request, "report/sent.html", incident_id=incident_id, again=again)


def _too_large(request: Request) -> Response:
    """A page (it reads who is logged in: in a worker thread, as the other pages)."""
    return problem(
        request,
        413,
        "Too large",
        f"A report is at most {REPORT_MAX_BYTES // 1024} KB of text; nothing was sent. Shorten "
        "what you wrote (link to screenshots or logs rather than pasting them) and send it again.",
    )
