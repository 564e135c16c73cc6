from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onwatch.core.db import Base


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    contact_methods: Mapped[list[ContactMethod]] = relationship(
        cascade="all, delete-orphan", order_by="ContactMethod.position", lazy="selectin"
    )
    notification_rules: Mapped[list[NotificationRule]] = relationship(
        cascade="all, delete-orphan",
        order_by="[NotificationRule.urgency, NotificationRule.position]",
        lazy="selectin",
    )


class ContactMethod(Base):
    __tablename__ = "contact_method"
    __table_args__ = (UniqueConstraint("person_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(100))
    # References (env:NAME, file:/path), never values: an Apprise URL that reaches an sms or
    # phone number, a webhook's signing secret, an ntfy access token.
    url: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(500))
    token: Mapped[str | None] = mapped_column(String(500))


class NotificationRule(Base):
    """One rule of a person: for pages of `urgency`, send to the contact method (None: the
    person's e-mail address) `delay_seconds` after the page. `contact` is the method as the
    config file named it (a label or a number), kept so that `export` writes it back."""

    __tablename__ = "notification_rule"
    __table_args__ = (
        UniqueConstraint("person_id", "urgency", "position"),
        CheckConstraint("urgency IN ('high', 'low')", name="urgency"),
        CheckConstraint("delay_seconds >= 0", name="delay"),
    )
    # Deleting a person, the ORM deletes their contact methods and rules; the database may
    # already have cascaded the rules of a deleted contact method, which is as intended.
    __mapper_args__ = {"confirm_deleted_rows": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    urgency: Mapped[str] = mapped_column(String(8))
    position: Mapped[int]
    contact: Mapped[str] = mapped_column(String(100))
    contact_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_method.id", ondelete="CASCADE")
    )
    delay_seconds: Mapped[int]


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    tech_lead_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    members: Mapped[list[TeamMember]] = relationship(
        cascade="all, delete-orphan", order_by="TeamMember.position", lazy="selectin"
    )
    roles: Mapped[list[TeamRole]] = relationship(
        cascade="all, delete-orphan", order_by="TeamRole.role", lazy="selectin"
    )


class TeamMember(Base):
    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    position: Mapped[int]


class TeamRole(Base):
    __tablename__ = "team_role"
    __table_args__ = (UniqueConstraint("team_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    backup_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    tech_lead_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    controlled: Mapped[bool] = mapped_column(default=True)
    # Shown on the public status page (alerts.status); internal services never are.
    public: Mapped[bool] = mapped_column(default=False)
    # Paging (escalation): the policy by name (checked by `apply` once policies are in), the
    # urgency rule (high, low, severity or calendar) and the calendar whose hours and ack
    # deadlines apply to the service's incidents.
    escalation_policy: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16), default="high")
    calendar: Mapped[str | None] = mapped_column(String(64))
    dependencies: Mapped[list[ServiceDependency]] = relationship(
        cascade="all, delete-orphan",
        foreign_keys="ServiceDependency.service_id",
        order_by="ServiceDependency.position",
        lazy="selectin",
    )
    runbooks: Mapped[list[Runbook]] = relationship(
        cascade="all, delete-orphan", order_by="Runbook.position", lazy="selectin"
    )


class ServiceDependency(Base):
    __tablename__ = "service_dependency"
    __table_args__ = (CheckConstraint("service_id <> depends_on_id", name="not_self"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    position: Mapped[int]


class Runbook(Base):
    __tablename__ = "runbook"
    __table_args__ = (UniqueConstraint("service_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
