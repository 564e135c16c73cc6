"""Issue trackers that speak GitHub's REST API (GitHub, GitHub Enterprise, Gitea, Forgejo): an
outbox row of kind ticket opens an issue (title, body, labels), or, when its destination names
the issue, comments on it. Wire shapes in tickets/github; answers judged as every HTTP sender's
(5xx and 429 retried, other 4xx given up, channels/posting)."""

from __future__ import annotations

import json

import httpx

from onwatch.channels.base import Destination, GiveUp, Outcome, Retry, Sent
from onwatch.channels.posting import HttpSender, host_of, judged
from onwatch.notifications.messages import Message
from onwatch.tickets import github


class GitHubIssuesSender(HttpSender):
    kind = "github"

    def send(self, message: Message, destination: Destination) -> Outcome:
        api_url = self.url_of(destination)
        repository = str(destination.settings.get("repository") or "")
        token = str(destination.settings.get("token") or "")
        if not api_url or not github.is_repository(repository):
            return GiveUp("the tracker needs an API URL and a repository owner/name")
        if not token:
            return GiveUp("the tracker has no token")
        issue = destination.settings.get("issue")
        if issue is not None:
            url = github.comments_url(api_url, repository, int(issue))
            body = github.comment_body(message.text)
        else:
            url = github.issues_url(api_url, repository)
            body = github.issue_body(message.title, message.text, message.labels)
        now = self.clock.now()
        where = host_of(url)
        try:
            response = self.http.post(url, json=body, headers=github.headers(token, message.key))
        except httpx.TimeoutException:
            return Retry(f"{where} did not answer in time")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return GiveUp(f"{where}: not an http or https URL")
        except httpx.TransportError as error:
            return Retry(f"cannot reach {where}: {error}")
        outcome = judged(response.status_code, response.headers, response.text, where, now)
        if not isinstance(outcome, Sent) or issue is not None:
            return outcome
        try:
            created = github.created_issue(response.json())
        except json.JSONDecodeError:
            created = None
        if created is None:
            # Created, most likely, but with nothing to link: retrying would open another.
            return GiveUp(f"{where} answered {response.status_code} without an issue number")
        return Sent(f"{repository}#{created['number']}", answer=created)
