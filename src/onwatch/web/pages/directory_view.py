"""What the directory pages show, computed from one read of the whole directory (a handful of
queries whatever its size) rather than one lookup per table row."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from onwatch.core.durations import duration_text
from onwatch.directory import contacts, queries
from onwatch.directory.specs import ContactMethodSpec, PersonSpec, ServiceSpec, TeamSpec


@dataclass(frozen=True)
class ServiceRow:
    spec: ServiceSpec
    tech_lead: str | None
    tech_lead_from: str | None  # "service" or "team", as in queries.responsibility
    dependents: list[str]


@dataclass(frozen=True)
class HeldRole:
    team: str
    role: str
    as_backup: bool


@dataclass(frozen=True)
class MethodRow:
    """A contact method as the person page lists it: its number (what rules and
    `test-notify --method` name), and why onwatch never pages it, if it does not."""

    number: int
    spec: ContactMethodSpec
    never_paged: str | None


@dataclass(frozen=True)
class RuleRow:
    after: str  # "at once", "after 5m"
    by: str  # "ntfy (phone push)", "email"


@dataclass
class PersonView:
    spec: PersonSpec
    teams: list[str] = field(default_factory=list)
    leads_teams: list[str] = field(default_factory=list)
    leads_services: list[ServiceRow] = field(default_factory=list)
    roles: list[HeldRole] = field(default_factory=list)

    @property
    def methods(self) -> list[MethodRow]:
        return [
            MethodRow(number, method, contacts.unreachable_reason(method))
            for number, method in enumerate(self.spec.contact_methods, start=1)
        ]

    @property
    def has_rules(self) -> bool:
        return contacts.has_rules(self.spec)

    def rules(self, urgency: str) -> list[RuleRow]:
        """The urgency's rules in order; the e-mail fallback when it has none."""
        found = []
        for rule in getattr(self.spec.notification_rules, urgency):
            try:
                index = contacts.method_of(self.spec, rule)
            except ValueError:
                continue  # stored rules were checked when written; a stale one shows nothing
            method = self.spec.contact_methods[index] if index is not None else None
            by = contacts.EMAIL_CONTACT
            if method is not None:
                by = f"{method.type} ({method.label})" if method.label else method.type
            after = f"after {duration_text(rule.after)}" if rule.after else "at once"
            found.append(RuleRow(after, by))
        return found


def _matches(query: str, *texts: str | None) -> bool:
    needle = query.strip().casefold()
    return not needle or any(needle in text.casefold() for text in texts if text)


@dataclass(frozen=True)
class Directory:
    people: dict[str, PersonSpec]
    teams: dict[str, TeamSpec]
    services: dict[str, ServiceSpec]
    dependents: dict[str, list[str]]

    @classmethod
    def of(
        cls, people: list[PersonSpec], teams: list[TeamSpec], services: list[ServiceSpec]
    ) -> Directory:
        dependents: dict[str, list[str]] = {s.name: [] for s in services}
        for service in services:
            for needed in service.depends_on:
                dependents.setdefault(needed, []).append(service.name)
        return cls(
            people={p.handle: p for p in people},
            teams={t.name: t for t in teams},
            services={s.name: s for s in services},
            dependents={name: sorted(users) for name, users in dependents.items()},
        )

    @classmethod
    def load(cls, session: Session) -> Directory:
        handle_of = queries.handles(session)
        team_of = queries.team_names(session)
        service_of = queries.service_names(session)
        return cls.of(
            [queries.person_spec(p) for p in queries.list_people(session)],
            [queries.team_spec(t, handle_of) for t in queries.list_teams(session)],
            [
                queries.service_spec(s, handle_of, team_of, service_of)
                for s in queries.list_services(session)
            ],
        )

    def name_of(self, handle: str) -> str:
        person = self.people.get(handle)
        return person.name if person else handle

    def title_of_team(self, name: str) -> str:
        team = self.teams.get(name)
        return (team.display_name or team.name) if team else name

    def service_row(self, spec: ServiceSpec) -> ServiceRow:
        # The same rule as queries.responsibility: the service's own lead, else its team's.
        lead, lead_from = spec.tech_lead, "service" if spec.tech_lead else None
        team = self.teams.get(spec.team) if spec.team else None
        if lead is None and team is not None and team.tech_lead:
            lead, lead_from = team.tech_lead, "team"
        return ServiceRow(spec, lead, lead_from, self.dependents.get(spec.name, []))

    def service_rows(self, query: str = "") -> list[ServiceRow]:
        rows = [self.service_row(s) for s in self.services.values()]
        return [
            r
            for r in rows
            if _matches(
                query,
                r.spec.name,
                r.spec.display_name,
                r.spec.description,
                r.spec.team,
                r.spec.team and self.title_of_team(r.spec.team),
                r.tech_lead,
                r.tech_lead and self.name_of(r.tech_lead),
                "ours" if r.spec.controlled else "upstream",
            )
        ]

    def team_rows(self, query: str = "") -> list[TeamSpec]:
        return [
            t
            for t in self.teams.values()
            if _matches(
                query,
                t.name,
                t.display_name,
                t.tech_lead,
                *t.members,
                *(self.name_of(m) for m in t.members),
            )
        ]

    def people_rows(self, query: str = "") -> list[PersonSpec]:
        return [
            p
            for p in self.people.values()
            if _matches(query, p.handle, p.name, p.email, *(c.address for c in p.contact_methods))
        ]

    def roles_of(self, team: str) -> list[queries.RoleHolder]:
        return [
            queries.RoleHolder(role, holder.person, holder.backup)
            for role, holder in self.teams[team].roles.items()
        ]

    def services_of_team(self, team: str) -> list[ServiceRow]:
        return [self.service_row(s) for s in self.services.values() if s.team == team]

    def person_view(self, person: PersonSpec) -> PersonView:
        view = PersonView(person)
        handle = person.handle
        for team in self.teams.values():
            if handle in team.members:
                view.teams.append(team.name)
            if team.tech_lead == handle:
                view.leads_teams.append(team.name)
            for role, holder in team.roles.items():
                if holder.person == handle:
                    view.roles.append(HeldRole(team.name, role, as_backup=False))
                if holder.backup == handle:
                    view.roles.append(HeldRole(team.name, role, as_backup=True))
        view.leads_services = [
            row
            for row in (self.service_row(s) for s in self.services.values())
            if row.tech_lead == handle
        ]
        return view
