"""The app factory: everything is built here from an AppContext, nothing at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from onwatch import __version__
from onwatch.integrations.limits import RateLimits
from onwatch.web import errors, params
from onwatch.web.api import (
    access,
    alerts,
    calendars,
    channels,
    declare,
    deploys,
    directory,
    error_setup,
    errors_intake,
    escalation_metrics,
    escalation_policies,
    health,
    heartbeats,
    ical,
    incident_lifecycle,
    incidents,
    intake,
    maintenance,
    metrics_intake,
    outbox,
    postmortems,
    schedules,
    silences,
    stakeholders,
    status,
    tickets,
    upstream,
)
from onwatch.web.api import errors as error_issues
from onwatch.web.api import roles as incident_roles
from onwatch.web.api.intake_writer import IntakeWriter
from onwatch.web.context import AppContext
from onwatch.web.middleware import (
    BodyLimit,
    DirectRoutes,
    Metrics,
    RequestMetrics,
    SecurityHeaders,
)
from onwatch.web.pages import alerts as alerts_pages
from onwatch.web.pages import declare as declare_pages
from onwatch.web.pages import deploys as deploy_pages
from onwatch.web.pages import directory as directory_pages
from onwatch.web.pages import error_review as error_review_pages
from onwatch.web.pages import errors as error_pages
from onwatch.web.pages import escalation as escalation_pages
from onwatch.web.pages import incident_lifecycle as incident_lifecycle_pages
from onwatch.web.pages import incidents as incidents_pages
from onwatch.web.pages import integrations as integration_pages
from onwatch.web.pages import links as link_pages
from onwatch.web.pages import maintenance as maintenance_pages
from onwatch.web.pages import outbox as outbox_pages
from onwatch.web.pages import overview, responder_links, session, site, tokens
from onwatch.web.pages import postmortems as postmortem_pages
from onwatch.web.pages import report as report_pages
from onwatch.web.pages import roles as role_pages
from onwatch.web.pages import schedules as schedule_pages
from onwatch.web.pages import silences as silence_pages
from onwatch.web.pages import stakeholders as stakeholder_pages
from onwatch.web.pages import status as status_pages
from onwatch.web.pages import tickets as ticket_pages
from onwatch.web.pages import upstream as upstream_pages

STATIC = Path(__file__).parent / "static"


class _App(FastAPI):
    """FastAPI, with the intake posts answered first by DirectRoutes (see middleware.py): the
    alert intake's, then the Sentry SDKs' (their own body limit)."""

    direct: DirectRoutes
    errors_direct: DirectRoutes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for direct in (self.direct, self.errors_direct):
                found = direct.route(scope)
                if found is not None:
                    await direct.serve(scope, receive, send, *found)
                    return
        await super().__call__(scope, receive, send)


def create_app(ctx: AppContext) -> FastAPI:
    app = _App(
        title="onwatch",
        version=__version__,
        description="Self-hosted incident response and on-call.",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(params.storable_text)],
        responses=errors.RESPONSES,
    )
    app.state.ctx = ctx
    errors.install(app)
    app.state.intake_writer = IntakeWriter(ctx, RateLimits())
    app.state.errors_intake = errors_intake.ErrorsIntake(ctx)
    metrics = RequestMetrics(ctx.registry)
    escalation_metrics.install(ctx)
    alerting = (
        heartbeats.router,
        metrics_intake.router,
        silences.router,
        maintenance.router,
        status.router,
    )
    responding = (
        alerts.router,
        incidents.router,
        incident_lifecycle.router,
        incident_roles.router,
        stakeholders.router,
        upstream.router,
        postmortems.router,
        declare.router,
        tickets.router,
        error_setup.router,
        error_issues.router,
        deploys.router,
    )
    on_call = (
        calendars.router,
        schedules.router,
        ical.router,
        channels.router,
        escalation_policies.router,
        outbox.router,
    )
    # Intake first: it takes the most requests, and FastAPI tries routers in order.
    for router in (
        intake.router,
        errors_intake.router,
        health.router,
        directory.router,
        access.router,
        *responding,
        *alerting,
        *on_call,
    ):
        app.include_router(router)
    # Each pages module brings its routes and nav links; later capabilities join this list.
    site.install(
        app,
        [
            session,
            overview,
            directory_pages,
            tokens,
            integration_pages,
            outbox_pages,
            declare_pages,  # before incidents_pages: /incidents/new is no incident id
            incidents_pages,
            incident_lifecycle_pages,
            role_pages,
            upstream_pages,
            ticket_pages,
            postmortem_pages,
            alerts_pages,
            error_review_pages,  # before error_pages: /errors/review is no issue id
            error_pages,
            deploy_pages,
            schedule_pages,
            escalation_pages,
            silence_pages,
            maintenance_pages,
            status_pages,
            responder_links,
            link_pages,
            stakeholder_pages,
            report_pages,
        ],
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost first: headers on everything, metrics around everything, limits before parsing.
    app.add_middleware(
        BodyLimit,
        limit=ctx.settings.max_body_bytes,
        intake_limit=ctx.settings.intake_max_body_bytes,
    )
    app.add_middleware(Metrics, metrics=metrics)
    app.add_middleware(SecurityHeaders)
    # The intake routes, for which the stack above costs more than the rest of the request.
    app.direct = DirectRoutes(
        intake.DirectIntake(ctx, app.state.intake_writer).find,
        metrics,
        limit=ctx.settings.intake_max_body_bytes,
    )
    app.errors_direct = DirectRoutes(
        app.state.errors_intake.find,
        metrics,
        limit=ctx.settings.errors_max_body_bytes,
        headers=errors_intake.CORS,
    )
    return app
