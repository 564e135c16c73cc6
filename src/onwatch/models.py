"""Every table, imported in one place so Alembic and the test schema see the whole model."""

from onwatch.alerts import models as alert_models
from onwatch.audit import models as audit_models
from onwatch.auth import models as auth_models
from onwatch.calendars import models as calendar_models
from onwatch.core import jobs
from onwatch.core.db import Base
from onwatch.deploys import models as deploy_models
from onwatch.directory import models as directory_models
from onwatch.errors import models as error_models
from onwatch.escalation import models as escalation_models
from onwatch.incidents import models as incident_models
from onwatch.integrations import models as integration_models
from onwatch.notifications import models as notification_models
from onwatch.postmortems import models as postmortem_models
from onwatch.schedules import models as schedule_models
from onwatch.stakeholders import models as stakeholder_models
from onwatch.tickets import models as ticket_models
from onwatch.upstream import models as upstream_models

__all__ = [
    "Base",
    "alert_models",
    "incident_models",
    "audit_models",
    "auth_models",
    "calendar_models",
    "deploy_models",
    "directory_models",
    "error_models",
    "escalation_models",
    "integration_models",
    "jobs",
    "notification_models",
    "postmortem_models",
    "schedule_models",
    "stakeholder_models",
    "ticket_models",
    "upstream_models",
]
