"""Which of a person's contact methods onwatch can send to, and which one each notification rule
means. Pure: a person's spec in, answers out (the config file, the API and the page share it)."""

from __future__ import annotations

from onwatch.core.errors import FieldError
from onwatch.core.secrets import is_reference
from onwatch.directory.specs import ContactMethodSpec, NotificationRuleSpec, PersonSpec

URGENCIES = ("high", "low")
EMAIL_CONTACT = "email"  # a rule's `contact` for the person's own e-mail address


def unreachable_reason(method: ContactMethodSpec) -> str | None:
    """Why onwatch cannot send to the method (it is shown in the directory only), or None."""
    if method.type in ("slack", "teams"):
        if is_reference(method.address) or method.address.startswith(("http://", "https://")):
            return None
        app = "Slack" if method.type == "slack" else "Teams"
        return (
            f"a {app} member id is shown to people, never paged; to page by {app}, add a "
            f"contact method whose address is a reference (env:NAME) to a {app} webhook URL "
            "that posts to the person"
        )
    if method.type in ("sms", "phone") and not method.url:
        return (
            "a phone number is paged through Apprise: add `url`, the reference (env:NAME) of "
            "an Apprise URL that reaches it (twilio://…, vonage://…); without one the "
            f"{method.type} number is shown, never paged"
        )
    return None


def is_reachable(method: ContactMethodSpec) -> bool:
    return unreachable_reason(method) is None


def method_of(person: PersonSpec, rule: NotificationRuleSpec) -> int | None:
    """The index in `person.contact_methods` of the rule's method; None for the person's own
    e-mail address. ValueError with a sentence when the rule names none it can use."""
    methods = person.contact_methods
    if rule.contact == EMAIL_CONTACT:
        return None
    if isinstance(rule.contact, int):
        if not 1 <= rule.contact <= len(methods):
            count = f"has {len(methods)}" if methods else "has none"
            raise ValueError(
                f"no contact method {rule.contact}: the person {count} (numbers start at 1)"
            )
        index = rule.contact - 1
    else:
        found = [i for i, m in enumerate(methods) if m.label == rule.contact]
        if not found:
            labels = [m.label for m in methods if m.label]
            known = f"; labels are {', '.join(labels)}" if labels else ""
            raise ValueError(
                f"no contact method labelled {rule.contact!r}: write `email`, a label or a "
                f"number{known}"
            )
        if len(found) > 1:
            raise ValueError(f"two contact methods are labelled {rule.contact!r}: use a number")
        index = found[0]
    why = unreachable_reason(methods[index])
    if why:
        raise ValueError(f"contact method {index + 1} cannot be paged: {why}")
    return index


def rule_problems(person: PersonSpec) -> list[FieldError]:
    """Every rule that names no usable contact method, by its field."""
    found = []
    for urgency in URGENCIES:
        for position, rule in enumerate(getattr(person.notification_rules, urgency)):
            try:
                method_of(person, rule)
            except ValueError as error:
                found.append(
                    FieldError(f"notification_rules.{urgency}[{position}].contact", str(error))
                )
    return found


def has_rules(person: PersonSpec) -> bool:
    return bool(person.notification_rules.high or person.notification_rules.low)
