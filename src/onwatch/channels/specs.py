"""The `channels:` config section: one spec for every kind (the fields each kind takes, checked
by name), the checks `apply` makes on the values references point at when it can read them (a
retired Teams URL, a malformed webhook secret), and the section's glue to the stored channels.

Secret fields (Slack, Teams and Apprise URLs, webhook secrets, ntfy tokens) take references
only; a webhook's or an ntfy topic's URL may be written out or referenced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session

from onwatch.calendars.fields import Spec
from onwatch.channels import apprise, ntfy, teams, webhook
from onwatch.channels.text import is_web_url
from onwatch.core import secrets
from onwatch.core.changes import Change, Outcome
from onwatch.core.errors import FieldError, Invalid
from onwatch.core.naming import EMAIL, Email, Slug
from onwatch.notifications import channels as stored
from onwatch.notifications.limits import RateLimitSpec

Kind = Literal["email", "slack", "teams", "webhook", "ntfy", "apprise"]


@dataclass(frozen=True)
class Fields:
    """What one kind takes: `url` a secret (reference only), plain (written out or referenced)
    or not at all; `to` addresses; a signing `secret` (required); a bearer `token` (optional)."""

    url: Literal["secret", "plain"] | None = None
    to: bool = False
    secret: bool = False
    token: bool = False
    url_means: str = ""

    def taken(self) -> list[str]:
        names = [("url", self.url), ("to", self.to), ("secret", self.secret), ("token", self.token)]
        return [name for name, used in names if used]


KINDS: dict[str, Fields] = {
    "email": Fields(to=True),
    "slack": Fields(url="secret", url_means="its incoming-webhook URL"),
    "teams": Fields(url="secret", url_means="its Workflows webhook URL"),
    "webhook": Fields(url="plain", secret=True, url_means="where to POST"),
    "ntfy": Fields(url="plain", token=True, url_means="the topic's URL"),
    "apprise": Fields(url="secret", url_means="its Apprise URL"),
}


class ChannelSpec(Spec):
    """A named place messages go to: a Slack or Teams channel, a mailing list, a signed webhook,
    an ntfy topic, or anything Apprise reaches. Escalation steps name it as a target."""

    name: Slug = Field(description="Unique channel name, used by escalation policies.")
    type: Kind = Field(description="The kind of channel (see docs/channels.md).")
    url: str | None = Field(
        None,
        max_length=2000,
        validate_default=True,
        description="slack, teams, apprise: the URL as a reference (env:NAME or file:/path); "
        "webhook: where to POST; ntfy: the topic URL (https://ntfy.example.org/topic). "
        "Required for every type but email.",
    )
    to: list[Email] | None = Field(
        None,
        max_length=50,
        validate_default=True,
        description="email: the addresses (at least one).",
    )
    secret: str | None = Field(
        None,
        max_length=300,
        validate_default=True,
        description="webhook: the Standard Webhooks signing secret (whsec_…), as a reference.",
    )
    token: str | None = Field(
        None,
        max_length=300,
        validate_default=True,
        description="ntfy: an access token for a protected topic, as a reference (optional).",
    )
    rate_limit: RateLimitSpec | None = Field(
        None, description="At most `max` messages `per` window (default: the type's limit)."
    )

    @field_validator("url", "to", "secret", "token")
    @classmethod
    def _taken_by_kind(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("type")
        if kind not in KINDS:
            return value  # the type's own error says what is wrong
        return checked_field(kind, str(info.field_name), value, info.data.get("name") or kind)


def checked_field(kind: str, field: str, value: Any, name: str) -> Any:
    """`value` of `field` if a `kind` destination takes it in that form; ValueError otherwise.
    Checks the form only: a reference is read later (see resolved_problems)."""
    rules = KINDS[kind]
    if field not in rules.taken():
        if value is None:
            return value
        raise ValueError(f"{_a(kind)} channel has no {field}; it takes {', '.join(rules.taken())}")
    example = secrets.example_name(name, field)
    if value is None:
        if field == "token":
            return value
        if field == "to":
            raise ValueError("required for an email channel: the addresses to write to")
        if field == "secret":
            how = secrets.how_to_refer(example)
            raise ValueError(f"required for a webhook channel, which is always signed: {how}")
        return _required_url(kind, rules, example)
    if field == "to":
        if not value:
            raise ValueError("must name at least one address")
        for address in value:
            if not EMAIL.match(address):
                raise ValueError(f"not an e-mail address: {address!r}")
        return value
    if secrets.is_reference(value):
        secrets.parse(value, example)
        return value
    if field in ("secret", "token") or rules.url == "secret":
        secrets.parse(value, example)  # raises: a literal where a reference belongs
    problem = value_problem(kind, field, value)
    if problem:
        raise ValueError(problem)
    return value


def _a(kind: str) -> str:
    """`an email`, `a slack`: the kind with its article."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _required_url(kind: str, rules: Fields, example: str) -> None:
    if rules.url == "secret":
        raise ValueError(
            f"required for {_a(kind)} channel: {rules.url_means}, which is a secret, so "
            f"{secrets.how_to_refer(example)}"
        )
    raise ValueError(f"required for {_a(kind)} channel: {rules.url_means}")


def value_problem(kind: str, field: str, value: str) -> str | None:
    """What is wrong with the (literal or resolved) value, as a sentence that does not repeat
    it; None when it is usable."""
    if field == "secret":
        return _refusal(webhook.secret_key, value)
    if field == "token":
        return "must be one line without spaces" if not value or len(value.split()) != 1 else None
    if kind == "ntfy":
        return _refusal(ntfy.split_topic, value)
    if kind == "apprise":
        if "://" not in value:
            return "must be an Apprise URL such as tgram://bottoken/ChatID"
        if apprise.is_apprise_url(value) is False:
            return "is not a URL Apprise can send to (see the Apprise wiki for each service's form)"
        return None
    if not is_web_url(value):
        return "must be an http or https URL"
    if kind == "teams" and teams.is_retired_connector(value):
        return f"{teams.RETIRED}; {teams.MIGRATION}"
    return None


def _refusal(check: Callable[[str], object], value: str) -> str | None:
    try:
        check(value)
    except ValueError as error:
        return str(error)
    return None


def resolved_problems(
    kind: str, fields: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> list[FieldError]:
    """Problems with the values that the destination's references point at, for those that
    can be read here; an unset variable is not a problem (see unavailable_references)."""
    found = []
    for field in ("url", "secret", "token"):
        reference = fields.get(field)
        if not secrets.is_reference(reference):
            continue
        try:
            value = secrets.resolve(str(reference), environ)
        except (secrets.SecretUnavailable, ValueError):
            continue
        problem = value_problem(kind, field, value)
        if problem:
            found.append(FieldError(field, f"the value of {reference} {problem}"))
    return found


def unavailable_references(
    fields: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(field, why) for each reference that cannot be read now."""
    found = []
    for field in ("url", "secret", "token"):
        reference = fields.get(field)
        if secrets.is_reference(reference):
            why = secrets.unavailable(str(reference), environ)
            if why:
                found.append((field, why))
    return found


def contact_problems(
    kind: str,
    address: str,
    *,
    secret: str | None = None,
    token: str | None = None,
    name: str = "contact",
    environ: Mapping[str, str] | None = None,
) -> list[FieldError]:
    """Problems with a person's contact method of a channel kind, named as a contact method
    writes its fields (`address` is the URL, or the e-mail address): the form of each field,
    then the values of the references that can be read here."""
    if kind not in KINDS:
        return [FieldError("type", f"must be one of {', '.join(KINDS)}")]
    fields: dict[str, Any] = {"to": [address]} if kind == "email" else {"url": address}
    fields.update(secret=secret, token=token)
    found = []
    for field, value in fields.items():
        try:
            checked_field(kind, field, value, name)
        except ValueError as error:
            found.append(FieldError(_contact_field(field), str(error)))
    if found:
        return found
    return [
        FieldError(_contact_field(e.field), e.message)
        for e in resolved_problems(kind, fields, environ)
    ]


def _contact_field(field: str) -> str:
    return "address" if field in ("url", "to") else field


def settings_of(spec: ChannelSpec) -> dict[str, Any]:
    """What a stored channel keeps beside its name and kind (references stay references)."""
    return spec.model_dump(mode="json", exclude={"name", "type"}, exclude_none=True)


def spec_of(row: Any) -> ChannelSpec:
    return ChannelSpec.model_validate(stored.described(row))


# The section's glue (config/sections.py): specs in, stored channels out, and back.


def channel_specs(session: Session) -> list[ChannelSpec]:
    return [spec_of(row) for row in stored.list_channels(session)]


def put_channels(
    session: Session, specs: list[ChannelSpec], *, actor: str, now: datetime
) -> list[Outcome]:
    rows = {row.name: row for row in stored.list_channels(session)}
    outcomes: list[Outcome] = []
    for spec in specs:
        problems = resolved_problems(spec.type, settings_of(spec))
        if problems:
            outcomes.append(Invalid(problems))
            continue
        outcomes.append(
            stored.put_channel(
                session,
                spec.name,
                spec.type,
                settings_of(spec),
                actor=actor,
                now=now,
                row=rows.get(spec.name),
            )
        )
    return outcomes


def delete_channel(session: Session, name: str, *, actor: str, now: datetime) -> Change:
    return stored.delete_channel(session, name, actor=actor, now=now)


def warnings(_session: Session, specs: list[ChannelSpec], _now: datetime) -> list[str]:
    """What `apply` warns about: references it cannot read (onwatch reads them when it sends,
    in the engine's environment, which may differ) and a missing Apprise library."""
    found = []
    for spec in specs:
        for field, why in unavailable_references(settings_of(spec)):
            found.append(
                f"channel {spec.name}: {field}: {why} in this environment; onwatch reads it "
                "when it sends, so it must be readable where `onwatch serve` or `onwatch engine` "
                "runs"
            )
        if spec.type == "apprise" and apprise.load() is None:
            found.append(f"channel {spec.name}: {apprise.INSTALL}")
    return found
