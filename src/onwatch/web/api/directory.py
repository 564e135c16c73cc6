"""People, teams and services. Reads need viewer; writes need admin and are audited."""

# No `from __future__ import annotations` here: the route factory annotates its handlers with
# the spec class it is given, and FastAPI must see that class, not a string naming it.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.config.people import person_problems
from onwatch.core.changes import Change
from onwatch.core.errors import Conflict, Forbidden, Invalid
from onwatch.directory import actions, queries
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec
from onwatch.escalation import policies as escalation_policies
from onwatch.notifications.trial import send_test_notification
from onwatch.web.security import admin, context, viewer

router = APIRouter(prefix="/api/v1", tags=["directory"])


@dataclass(frozen=True)
class Resource:
    path: str  # "people"
    noun: str  # "person"
    key: str  # the spec field that names one: "handle"
    spec: type[BaseModel]
    listed: Callable[[Session], list[Any]]
    one: Callable[[Session, str], Any]  # raises NotFound
    exists: Callable[[Session, str], Any]
    put: Callable[..., Change | None]
    delete: Callable[..., Change]
    # What a reader who is not an admin sees of one item (references hidden, as for channels).
    for_non_admins: Callable[[Any], Any] = lambda spec: spec


def _change(change: Change | None) -> dict[str, Any]:
    if change is None:
        return {"changed": False}
    return {"changed": True, "action": change.action, "fields": sorted(change.fields)}


def add_routes(resource: Resource) -> None:
    spec_type, key, base = resource.spec, resource.key, f"/{resource.path}"

    def shown(who: Principal, spec: Any) -> Any:
        return spec if has_role(who.role, Role.admin) else resource.for_non_admins(spec)

    def list_all(request: Request, who: Principal = Depends(viewer)) -> list[spec_type]:
        with context(request).db.read() as session:
            return [shown(who, spec) for spec in resource.listed(session)]

    def get_one(name: str, request: Request, who: Principal = Depends(viewer)) -> spec_type:
        with context(request).db.read() as session:
            return shown(who, resource.one(session, name))

    def create(spec: spec_type, request: Request, who: Principal = Depends(admin)) -> spec_type:
        ctx = context(request)
        name = getattr(spec, key)
        with ctx.db.transaction() as session:
            if resource.exists(session, name):
                raise Conflict(f"{key}: a {resource.noun} {name!r} already exists")
            resource.put(session, spec, actor=who.actor, now=ctx.clock.now())
        return spec

    def put(
        name: str, spec: spec_type, request: Request, who: Principal = Depends(admin)
    ) -> dict[str, Any]:
        if getattr(spec, key) != name:
            raise Invalid(f"must match the URL ({name!r})", key)
        ctx = context(request)
        with ctx.db.transaction() as session:
            change = resource.put(session, spec, actor=who.actor, now=ctx.clock.now())
        return _change(change)

    def delete(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
        ctx = context(request)
        with ctx.db.transaction() as session:
            resource.delete(session, name, actor=who.actor, now=ctx.clock.now())
        return Response(status_code=204)

    item = base + "/{name}"
    router.add_api_route(base, list_all, methods=["GET"], name=f"list_{resource.path}")
    router.add_api_route(item, get_one, methods=["GET"], name=f"get_{resource.noun}")
    router.add_api_route(
        base, create, methods=["POST"], status_code=201, name=f"create_{resource.noun}"
    )
    router.add_api_route(item, put, methods=["PUT"], name=f"put_{resource.noun}")
    router.add_api_route(
        item, delete, methods=["DELETE"], status_code=204, name=f"delete_{resource.noun}"
    )


def _put_person(session: Session, spec: PersonSpec, *, actor: str, now: Any) -> Change | None:
    """A person as the config file's people section takes one: contact methods checked as
    channels of their kind are, rules naming a method that can be paged."""
    problems = person_problems(spec)
    if problems:
        raise Invalid(problems)
    return actions.put_person(session, spec, actor=actor, now=now)


def _without_references(spec: PersonSpec) -> PersonSpec:
    """A person as a non-admin reads them: their contact methods' references (where a webhook
    URL, secret or token lives) left out, as channels' are."""
    methods = [
        m.model_copy(update={"url": None, "secret": None, "token": None})
        for m in spec.contact_methods
    ]
    return spec.model_copy(update={"contact_methods": methods})


def _teams(session: Session) -> list[TeamSpec]:
    handle_of = queries.handles(session)
    return [queries.team_spec(t, handle_of) for t in queries.list_teams(session)]


def _maps(session: Session) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    return queries.handles(session), queries.team_names(session), queries.service_names(session)


def _put_service(session: Session, spec: ServiceSpec, **kwargs: Any) -> Change | None:
    """A service through the API: its escalation policy and calendar must exist already."""
    problems = escalation_policies.service_reference_problems(
        session, spec.escalation_policy, spec.calendar
    )
    if problems:
        raise Invalid(problems)
    return actions.put_service(session, spec, **kwargs)


def _services(session: Session) -> list[ServiceSpec]:
    maps = _maps(session)
    return [queries.service_spec(s, *maps) for s in queries.list_services(session)]


for _resource in (
    Resource(
        "people",
        "person",
        "handle",
        PersonSpec,
        lambda s: [queries.person_spec(p) for p in queries.list_people(s)],
        lambda s, n: queries.person_spec(queries.get_person(s, n)),
        queries.person_by_handle,
        _put_person,
        actions.delete_person,
        _without_references,
    ),
    Resource(
        "teams",
        "team",
        "name",
        TeamSpec,
        _teams,
        lambda s, n: queries.team_spec(queries.get_team(s, n), queries.handles(s)),
        queries.team_by_name,
        actions.put_team,
        actions.delete_team,
    ),
    Resource(
        "services",
        "service",
        "name",
        ServiceSpec,
        _services,
        lambda s, n: queries.service_spec(queries.get_service(s, n), *_maps(s)),
        queries.service_by_name,
        _put_service,
        actions.delete_service,
    ),
):
    add_routes(_resource)


class TestNotification(BaseModel):
    method: str | int | None = None  # a contact method's number (from 1), label, or "email"


@router.post("/people/{handle}/test-notification", status_code=202)
def test_notification(
    handle: str,
    request: Request,
    body: TestNotification | None = None,
    who: Principal = Depends(viewer),
) -> dict[str, Any]:
    """Queue a test message to each of the person's contact methods (or one); the engine sends
    them. A person may test their own; an admin anyone's. Audited."""
    if who.person_handle != handle and not has_role(who.role, Role.admin):
        raise Forbidden("only the person themselves or an admin may send them a test notification")
    ctx = context(request)
    with ctx.db.transaction() as session:
        trial = send_test_notification(
            session,
            handle,
            method=body.method if body else None,
            actor=who.actor,
            now=ctx.clock.now(),
        )
    ctx.engine_wakeup.set()
    return {"queued": trial.sent, "skipped": [{"method": m, "why": w} for m, w in trial.skipped]}


@router.get("/services/{name}/responsibility")
def service_responsibility(
    name: str, request: Request, _: Principal = Depends(viewer)
) -> dict[str, Any]:
    """Who owns the service: team, tech lead (and where it was declared), the team's roles."""
    with context(request).db.read() as session:
        found = queries.responsibility(session, name)
    return {
        "service": found.service,
        "controlled": found.controlled,
        "team": found.team,
        "tech_lead": found.tech_lead,
        "tech_lead_from": found.tech_lead_from,
        "roles": [{"role": r.role, "person": r.person, "backup": r.backup} for r in found.roles],
        "depends_on": found.depends_on,
        "dependents": found.dependents,
        "runbooks": [r.dump() for r in found.runbooks],
    }
