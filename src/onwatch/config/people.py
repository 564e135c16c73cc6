"""The `people` section's checks beyond each field's shape: contact methods of a kind onwatch
sends to are checked as channels of that kind are (addresses, secrets as references), and
`apply` warns about people whom a page reaches only by the e-mail fallback, and about contact
methods that are shown but never paged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from onwatch.channels.specs import contact_problems
from onwatch.core import secrets
from onwatch.core.errors import FieldError
from onwatch.directory import contacts
from onwatch.directory.specs import ContactMethodSpec, PersonSpec

# Problems by file index, as config sections report them.
Problems = dict[int, list[FieldError]]
NAMED_AT_MOST = 8  # people named in the one no-rules warning before "and N more"


def method_problems(handle: str, method: ContactMethodSpec) -> list[FieldError]:
    """Problems with one contact method, fields relative to it."""
    found = [
        FieldError(field, f"{_a(method.type)} contact method has no {field}")
        for field, allowed in (
            ("url", ("sms", "phone")),
            ("secret", ("webhook",)),
            ("token", ("ntfy",)),
        )
        if getattr(method, field) is not None and method.type not in allowed
    ]
    if found:
        return found
    if method.type in ("sms", "phone"):
        if method.url is None:
            return []
        return [
            FieldError("url" if e.field == "address" else e.field, e.message)
            for e in contact_problems("apprise", method.url, name=handle)
        ]
    if not contacts.is_reachable(method):
        return []  # a Slack or Teams member id: shown, never sent to
    return contact_problems(
        method.type, method.address, secret=method.secret, token=method.token, name=handle
    )


def person_problems(person: PersonSpec) -> list[FieldError]:
    """Every problem with the person's contact methods and rules, by field."""
    found = [
        FieldError(f"contact_methods[{i}].{e.field}", e.message)
        for i, method in enumerate(person.contact_methods)
        for e in method_problems(person.handle, method)
    ]
    return found + contacts.rule_problems(person)


def check_people(_session: Session, items: list[tuple[int, Any]]) -> Problems:
    problems: Problems = {}
    for index, spec in items:
        found = person_problems(spec)
        if found:
            problems[index] = found
    return problems


def people_warnings(_session: Session, specs: list[Any], _now: datetime) -> list[str]:
    found = []
    without = [p.handle for p in specs if not contacts.has_rules(p)]
    if without:
        named = ", ".join(without[:NAMED_AT_MOST])
        if len(without) > NAMED_AT_MOST:
            named += f" and {len(without) - NAMED_AT_MOST} more"
        found.append(
            f"{_people(len(without))} no notification rules ({named}): a page reaches them by "
            "one e-mail at once; add notification_rules to page them by push, chat or phone"
        )
    # One sentence per reason (a Slack member id, a phone number without an Apprise URL), not
    # per person: a file of fifty people with Slack ids is one warning.
    shown: dict[str, list[str]] = {}
    for person in specs:
        for i, method in enumerate(person.contact_methods):
            why = contacts.unreachable_reason(method)
            if why:
                shown.setdefault(why, []).append(f"{person.handle} ({method.type} {i + 1})")
    for why, where in shown.items():
        named = ", ".join(where[:NAMED_AT_MOST])
        if len(where) > NAMED_AT_MOST:
            named += f" and {len(where) - NAMED_AT_MOST} more"
        found.append(f"contact methods of {named}: {why}")
    for person in specs:
        for i, method in enumerate(person.contact_methods):
            for field in ("address", "url", "secret", "token"):
                reference = getattr(method, field)
                why = secrets.unavailable(reference) if secrets.is_reference(reference) else None
                if why:
                    found.append(
                        f"person {person.handle}: contact_methods[{i}].{field}: {why} in this "
                        "environment; onwatch reads it when it sends, so it must be readable "
                        "where `onwatch serve` or `onwatch engine` runs"
                    )
    return found


def _people(count: int) -> str:
    return "1 person has" if count == 1 else f"{count} people have"


def _a(kind: str) -> str:
    """The kind with its article, as it is read aloud: an sms, an ntfy, a webhook."""
    return f"{'an' if kind in ('email', 'apprise', 'sms', 'ntfy') else 'a'} {kind}"
