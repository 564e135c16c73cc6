"""People, teams and services. Reads need viewer; writes need admin and are audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from onwatch.auth.roles import Principal
from onwatch.core.errors import Conflict, Invalid
from onwatch.directory import actions, queries
from onwatch.directory.specs import PersonSpec, ServiceSpec, TeamSpec
from onwatch.web.security import admin, context, viewer

router = APIRouter(prefix="/api/v1", tags=["directory"])


def _same_key(path_key: str, body_key: str, field: str) -> None:
    if path_key != body_key:
        raise Invalid(f"must match the URL ({path_key!r})", field)


def _change(change: Any) -> dict[str, Any]:
    if change is None:
        return {"changed": False}
    return {
        "changed": True,
        "action": change.action,
        "fields": sorted(change.fields) if change.fields else [],
    }


@router.get("/people")
def list_people(request: Request, _: Principal = Depends(viewer)) -> list[PersonSpec]:
    with context(request).db.read() as session:
        return [queries.person_spec(p) for p in queries.list_people(session)]


@router.get("/people/{handle}")
def get_person(handle: str, request: Request, _: Principal = Depends(viewer)) -> PersonSpec:
    with context(request).db.read() as session:
        return queries.person_spec(queries.get_person(session, handle))


@router.post("/people", status_code=201)
def create_person(
    spec: PersonSpec, request: Request, who: Principal = Depends(admin)
) -> PersonSpec:
    ctx = context(request)
    with ctx.db.transaction() as session:
        if queries.person_by_handle(session, spec.handle):
            raise Conflict(f"handle: a person {spec.handle!r} already exists")
        actions.put_person(session, spec, actor=who.actor, now=ctx.clock.now())
    return spec


@router.put("/people/{handle}")
def put_person(
    handle: str, spec: PersonSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    _same_key(handle, spec.handle, "handle")
    ctx = context(request)
    with ctx.db.transaction() as session:
        change = actions.put_person(session, spec, actor=who.actor, now=ctx.clock.now())
    return _change(change)


@router.delete("/people/{handle}", status_code=204)
def delete_person(handle: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_person(session, handle, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)


@router.get("/teams")
def list_teams(request: Request, _: Principal = Depends(viewer)) -> list[TeamSpec]:
    with context(request).db.read() as session:
        handle_of = queries.handles(session)
        return [queries.team_spec(t, handle_of) for t in queries.list_teams(session)]


@router.get("/teams/{name}")
def get_team(name: str, request: Request, _: Principal = Depends(viewer)) -> TeamSpec:
    with context(request).db.read() as session:
        return queries.team_spec(queries.get_team(session, name), queries.handles(session))


@router.post("/teams", status_code=201)
def create_team(spec: TeamSpec, request: Request, who: Principal = Depends(admin)) -> TeamSpec:
    ctx = context(request)
    with ctx.db.transaction() as session:
        if queries.team_by_name(session, spec.name):
            raise Conflict(f"name: a team {spec.name!r} already exists")
        actions.put_team(session, spec, actor=who.actor, now=ctx.clock.now())
    return spec


@router.put("/teams/{name}")
def put_team(
    name: str, spec: TeamSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    _same_key(name, spec.name, "name")
    ctx = context(request)
    with ctx.db.transaction() as session:
        change = actions.put_team(session, spec, actor=who.actor, now=ctx.clock.now())
    return _change(change)


@router.delete("/teams/{name}", status_code=204)
def delete_team(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_team(session, name, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)


def _service_specs(session: Any) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    return queries.handles(session), queries.team_names(session), queries.service_names(session)


@router.get("/services")
def list_services(request: Request, _: Principal = Depends(viewer)) -> list[ServiceSpec]:
    with context(request).db.read() as session:
        maps = _service_specs(session)
        return [queries.service_spec(s, *maps) for s in queries.list_services(session)]


@router.get("/services/{name}")
def get_service(name: str, request: Request, _: Principal = Depends(viewer)) -> ServiceSpec:
    with context(request).db.read() as session:
        return queries.service_spec(queries.get_service(session, name), *_service_specs(session))


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


@router.post("/services", status_code=201)
def create_service(
    spec: ServiceSpec, request: Request, who: Principal = Depends(admin)
) -> ServiceSpec:
    ctx = context(request)
    with ctx.db.transaction() as session:
        if queries.service_by_name(session, spec.name):
            raise Conflict(f"name: a service {spec.name!r} already exists")
        actions.put_service(session, spec, actor=who.actor, now=ctx.clock.now())
    return spec


@router.put("/services/{name}")
def put_service(
    name: str, spec: ServiceSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    _same_key(name, spec.name, "name")
    ctx = context(request)
    with ctx.db.transaction() as session:
        change = actions.put_service(session, spec, actor=who.actor, now=ctx.clock.now())
    return _change(change)


@router.delete("/services/{name}", status_code=204)
def delete_service(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_service(session, name, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)
