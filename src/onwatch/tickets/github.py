"""The GitHub REST wire shapes of the two calls onwatch makes (pure; channels/github sends
them): create an issue, `POST {api}/repos/{owner}/{repo}/issues` {title, body, labels} → 201
{number, html_url, url}; comment on it, `POST …/issues/{number}/comments` {body} → 201. GitHub
Enterprise, Gitea and Forgejo answer the same shapes under their own API base."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})/[A-Za-z0-9._-]{1,100}")
# GitHub's limits: a title of 256 characters, a body or comment of 65,536.
MAX_TITLE, MAX_BODY = 256, 65_536


def is_repository(text: str) -> bool:
    return bool(REPOSITORY.fullmatch(text)) and ".." not in text


def headers(token: str, idempotency_key: str) -> dict[str, str]:
    """GitHub's documented headers. The outbox key is sent too (GitHub ignores it; a proxy or
    another tracker may drop a repeat by it)."""
    return {
        "Authorization": f"Bearer {token}",
        "Accept": ACCEPT,
        "X-GitHub-Api-Version": API_VERSION,
        "Idempotency-Key": idempotency_key,
        "User-Agent": "onwatch",
    }


def issues_url(api_url: str, repository: str) -> str:
    owner, name = repository.split("/", 1)
    return f"{api_url.rstrip('/')}/repos/{quote(owner, safe='')}/{quote(name, safe='')}/issues"


def comments_url(api_url: str, repository: str, number: int) -> str:
    return f"{issues_url(api_url, repository)}/{int(number)}/comments"


def issue_body(title: str, body: str, labels: Sequence[str]) -> dict[str, Any]:
    return {
        "title": _cut(title, MAX_TITLE),
        "body": _cut(body, MAX_BODY),
        "labels": list(dict.fromkeys(label for label in labels if label)),
    }


def comment_body(body: str) -> dict[str, Any]:
    return {"body": _cut(body, MAX_BODY)}


def created_issue(answer: Any) -> dict[str, Any] | None:
    """{number, html_url, url} of a 201 answer to an issue's creation; None when the answer
    is not that shape (then the issue may exist, but onwatch cannot link it)."""
    if not isinstance(answer, Mapping):
        return None
    number, html_url = answer.get("number"), answer.get("html_url")
    if not isinstance(number, int) or isinstance(number, bool) or not isinstance(html_url, str):
        return None
    url = answer.get("url")
    return {"number": number, "html_url": html_url, "url": url if isinstance(url, str) else None}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
