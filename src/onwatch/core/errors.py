"""Errors the domains raise. The web layer maps them to HTTP statuses and the CLI to exit codes,
each in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class OnwatchError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(OnwatchError):
    """Bad input. Carries every problem found, each naming its field."""

    code = "invalid"

    def __init__(self, errors: list[FieldError] | str, field: str = "") -> None:
        if isinstance(errors, str):
            errors = [FieldError(field, errors)]
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def prefixed(self, prefix: str) -> Invalid:
        """The same errors located under `prefix` (for example `teams[2]`)."""
        return Invalid(
            [
                FieldError(f"{prefix}.{e.field}" if e.field else prefix, e.message)
                for e in self.errors
            ]
        )


class NotFound(OnwatchError):
    code = "not_found"


class Conflict(OnwatchError):
    code = "conflict"


class Unauthorized(OnwatchError):
    """No credential, or one we do not know. Says nothing about which."""

    code = "unauthorized"

    def __init__(self, message: str = "a valid credential is required") -> None:
        super().__init__(message)


class Forbidden(OnwatchError):
    code = "forbidden"

    def __init__(self, message: str = "this credential may not do that") -> None:
        super().__init__(message)


class RateLimited(OnwatchError):
    """Too many requests; `retry_after` (seconds), when known, becomes a Retry-After header."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
