"""Secrets as references, never values: `env:NAME` (an environment variable of onwatch's
processes) or `file:/path` (a file, as Docker and Kubernetes mount secrets). Config and settings
keep the reference; the value is read at the moment it is used (a send), so rotating a secret
needs no `apply`, and nothing secret is ever stored, exported or audited."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

_ENV = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]{0,127})")
_FILE = re.compile(r"file:(/[^\x00\n\r]{1,1000})")
# A secret file is a token or a URL, not a document: a larger one is a mistaken path.
MAX_FILE_BYTES = 64 * 1024


class SecretUnavailable(Exception):
    """A reference that cannot be read now: the variable is unset, the file missing. The
    message is a sentence that names the reference (never a value)."""


@dataclass(frozen=True)
class Reference:
    scheme: Literal["env", "file"]
    name: str  # the variable's name, or the file's absolute path

    def __str__(self) -> str:
        return f"{self.scheme}:{self.name}"


def is_reference(text: object) -> bool:
    """Whether `text` is written as a reference (`env:…` or `file:…`), well-formed or not."""
    return isinstance(text, str) and text.startswith(("env:", "file:"))


def how_to_refer(example: str) -> str:
    """The sentence that says how to write a secret, with an example variable name."""
    return (
        f"write a reference, not the value: env:{example} (an environment variable of onwatch's "
        f"processes) or file:/run/secrets/{example.lower()} (a file, as Docker and Kubernetes "
        "mount secrets)"
    )


def parse(text: str, example: str = "NAME") -> Reference:
    """The reference `text` spells; ValueError with a sentence saying how to write one. The
    sentence never repeats `text`, which may be a secret pasted by mistake."""
    env = _ENV.fullmatch(text)
    if env:
        return Reference("env", env[1])
    found = _FILE.fullmatch(text)
    if found:
        return Reference("file", found[1])
    if text.startswith("env:"):
        raise ValueError(
            "env: must be followed by a variable name (letters, digits and _, not starting "
            f"with a digit), such as env:{example}"
        )
    if text.startswith("file:"):
        raise ValueError(
            f"file: must be followed by an absolute path, such as file:/run/secrets/"
            f"{example.lower()}"
        )
    raise ValueError(f"is a secret, so {how_to_refer(example)}")


def resolve(reference: Reference | str, environ: Mapping[str, str] | None = None) -> str:
    """The secret's value now. SecretUnavailable when it cannot be read. A file's trailing line
    break is dropped (`echo token > file` writes one)."""
    ref = reference if isinstance(reference, Reference) else parse(reference)
    if ref.scheme == "env":
        values = os.environ if environ is None else environ
        value = values.get(ref.name)
        if not value:
            raise SecretUnavailable(f"{ref} is {'empty' if value == '' else 'not set'}")
        return value
    try:
        with Path(ref.name).open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SecretUnavailable(f"{ref} cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_FILE_BYTES:
        raise SecretUnavailable(f"{ref} is larger than {MAX_FILE_BYTES} bytes; is it the secret?")
    value = data.decode("utf-8", errors="replace").rstrip("\r\n")
    if not value:
        raise SecretUnavailable(f"{ref} is empty")
    return value


def unavailable(reference: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why the reference cannot be read now, or None when it can (for warnings at apply)."""
    try:
        resolve(reference, environ)
    except (SecretUnavailable, ValueError) as error:
        return str(error)
    return None


def example_name(*parts: str) -> str:
    """An environment variable name made of the parts: ("ops-slack", "url") → OPS_SLACK_URL."""
    name = "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_") for p in parts if p).upper()
    return name if name and not name[0].isdigit() else f"S_{name}"
