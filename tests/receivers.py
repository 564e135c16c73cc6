"""Real servers on loopback that stand in for the places onwatch sends to (a Slack or Teams
webhook, an ntfy server, a signed-webhook receiver, an SMTP server). Each records what it got;
a test takes the messages it expects, and at teardown a receiver that still holds a message no
one took fails the test, as GoAlert's smoke harness does: an extra page is a bug.

    def test_x(http_receiver, smtp_receiver): ...
        http_receiver.url              # http://127.0.0.1:PORT/ (any path is accepted)
        http_receiver.answer(500, 500) # the next answers (status, or (status, headers, body))
        release = http_receiver.hold() # the next request waits for its answer until release.set()
        [request] = http_receiver.take(1)
        [mail] = smtp_receiver.take(1)

`take(n)` waits (up to PATIENCE, only so that a broken build fails instead of hanging) for n
messages and returns them; it never sleeps for a fixed time. A `check` given to the receiver runs
on every request (for example against a documented payload shape) and its failures are kept
and raised at `take` and at teardown."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

import pytest

PATIENCE = 30.0  # seconds; a safety net for a broken build, never a timing assertion

Answer = tuple[int, dict[str, str], bytes]
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Inbox(Generic[T]):
    """Messages as they arrive, handed out in order; problems found on the way."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: list[T] = []
        self._taken = 0
        self._arrived = threading.Condition()
        self.problems: list[str] = []

    def put(self, item: T) -> None:
        with self._arrived:
            self._items.append(item)
            self._arrived.notify_all()

    def take(self, count: int) -> list[T]:
        """The next `count` messages, waiting for them to arrive."""
        with self._arrived:
            arrived = self._arrived.wait_for(
                lambda: len(self._items) - self._taken >= count, PATIENCE
            )
            got = self._items[self._taken : self._taken + count]
            if not arrived:
                pytest.fail(f"{self.name}: expected {count} more messages, got {len(got)}")
            self._taken += count
        self.raise_problems()
        return got

    def take_arrived(self) -> list[T]:
        """Every message that arrived and was not taken yet, without waiting for more."""
        with self._arrived:
            got = self._items[self._taken :]
            self._taken = len(self._items)
        self.raise_problems()
        return got

    @property
    def received(self) -> list[T]:
        """Everything so far, taken or not (for tests that count)."""
        with self._arrived:
            return list(self._items)

    def raise_problems(self) -> None:
        if self.problems:
            pytest.fail(f"{self.name}: " + "; ".join(self.problems))

    def assert_silent(self) -> None:
        """No message beyond those taken, and no problem: at teardown."""
        self.raise_problems()
        with self._arrived:
            extra = self._items[self._taken :]
        if extra:
            pytest.fail(f"{self.name} got {len(extra)} message(s) nobody expected: {extra!r}")


class _Server(ThreadingHTTPServer):
    # Engines send in parallel threads: a backlog of 5 (the default) refuses connections.
    request_queue_size = 128


class HttpReceiver(_Inbox[Request]):
    """An HTTP server on a free loopback port that records every request and answers 200 (or
    what `answer` queued)."""

    def __init__(
        self,
        check: Callable[[Request], None] | None = None,
        respond: Callable[[Request], Answer] | None = None,
    ) -> None:
        super().__init__("HTTP receiver")
        self.check = check
        self.respond = respond  # the answer when none is queued (else 200 "ok")
        self._answers: list[Answer | threading.Event] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request: Request | None = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                answer = receiver._next_answer(request)
                if isinstance(answer, threading.Event):  # held: recorded, answered when let go
                    receiver.put(request)
                    answer.wait(PATIENCE)
                    answer = (200, {}, b"ok")
                    request = None
                status, headers, body = answer
                if receiver.check is not None and status < 300 and request is not None:
                    try:
                        receiver.check(request)
                    except AssertionError as error:  # the message is not what the spec says
                        receiver.problems.append(f"{request.path}: {error}")
                        status, body = 400, str(error).encode()
                # Recorded before answering: once the sender has its answer, the test sees it.
                if request is not None:
                    receiver.put(request)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the sender went away while held (a killed engine)
                    self.close_connection = True

            do_POST = do_PUT = do_GET = _handle

            def log_message(self, *_args: object) -> None:
                return None

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        # A short poll: shutdown() waits for it, at every receiver's teardown.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def answer(self, *answers: int | Answer) -> None:
        """Queue the next answers: a status (empty body), or (status, headers, body). After
        they are used up, every request gets 200."""
        with self._arrived:
            for a in answers:
                self._answers.append(a if isinstance(a, tuple) else (a, {}, b""))

    def hold(self) -> threading.Event:
        """Queue an answer that is not given until the returned event is set: the request is
        recorded (a test can `take` it) while the sender still waits, as a killed engine's
        request would be."""
        release = threading.Event()
        with self._arrived:
            self._answers.append(release)
        return release

    def _next_answer(self, request: Request) -> Answer | threading.Event:
        with self._arrived:
            if self._answers:
                return self._answers.pop(0)
        return self.respond(request) if self.respond is not None else (200, {}, b"ok")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Mail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage
    authenticated_as: str | None = None
    tls: bool = False
    raw: bytes = field(default=b"", repr=False)


class SmtpReceiver(_Inbox[Mail]):
    """A real SMTP server (aiosmtpd) on a free loopback port. With `tls_context` it offers
    STARTTLS and requires it (or, with `implicit_tls`, speaks TLS from the first byte, as on
    port 465); with `login` it requires AUTH LOGIN/PLAIN with that (user, password) after TLS."""

    def __init__(
        self,
        tls_context: Any | None = None,
        login: tuple[str, str] | None = None,
        implicit_tls: bool = False,
    ) -> None:
        super().__init__("SMTP receiver")
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                raw = envelope.original_content or envelope.content
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                auth = session.auth_data
                receiver.put(
                    Mail(
                        envelope.mail_from,
                        list(envelope.rcpt_tos),
                        parsed,  # type: ignore[arg-type]
                        auth.login.decode() if isinstance(auth, LoginPassword) else None,
                        # An implicit-TLS server speaks nothing but TLS; aiosmtpd marks only
                        # STARTTLS sessions.
                        session.ssl is not None or (implicit_tls and tls_context is not None),
                        raw,
                    )
                )
                return "250 Message accepted for delivery"

        def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                         data: Any) -> AuthResult:  # fmt: skip
            ok = (
                isinstance(data, LoginPassword)
                and login is not None
                and (data.login.decode(), data.password.decode()) == login
            )
            # handled=False: aiosmtpd then answers a refusal with 535 (handled=True would leave
            # the client waiting for an answer that never comes).
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

        kwargs: dict[str, Any] = {}
        if tls_context is not None and implicit_tls:
            kwargs.update(ssl_context=tls_context)
        elif tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=authenticate, auth_required=True)
            if implicit_tls:  # aiosmtpd counts only STARTTLS as TLS for AUTH
                kwargs.update(auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        self.host, self.port = "127.0.0.1", _free_port()
        self.controller = Controller(Handler(), hostname=self.host, port=self.port, **kwargs)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def receiving(
    check: Callable[[Request], None] | None = None,
    respond: Callable[[Request], Answer] | None = None,
) -> Iterator[HttpReceiver]:
    """An HttpReceiver (checking each request with `check`, such as one of tests/shapes.py;
    answering with `respond` when no answer is queued) that is closed at the end and must then
    have nothing left that nobody took."""
    receiver = HttpReceiver(check, respond)
    try:
        yield receiver
    finally:
        receiver.close()
    receiver.assert_silent()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    with receiving() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    try:
        yield receiver
    finally:
        receiver.close()
    receiver.assert_silent()


class IssueTracker(HttpReceiver):
    """A GitHub-compatible issue tracker on loopback, as GitHub's REST API documents it
    (docs.github.com/en/rest/issues, API version 2022-11-28): `POST /repos/{owner}/{repo}/issues`
    {title, body, labels} → 201 {number, html_url, url}; `POST …/issues/{number}/comments`
    {body} → 201 {id, html_url, body}. Every request must carry `Authorization: Bearer <token>`,
    `Accept: application/vnd.github+json` and `X-GitHub-Api-Version: 2022-11-28`; anything else
    fails the test (and is answered 400). `issues` holds what was created, by number."""

    API_VERSION = "2022-11-28"

    def __init__(self, repository: str, token: str) -> None:
        self.repository, self.token = repository, token
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self._lock = threading.Lock()
        super().__init__(self._check, self._respond)
        self.name = "issue tracker"

    def _check(self, request: Request) -> None:
        assert request.method == "POST", f"{request.method}: only POST is expected"
        assert request.headers.get("authorization") == f"Bearer {self.token}", "Bearer token"
        assert request.headers.get("accept") == "application/vnd.github+json", "Accept"
        assert request.headers.get("x-github-api-version") == self.API_VERSION, "API version"
        assert request.headers.get("content-type", "").startswith("application/json")
        body = request.json()
        if request.path == f"/repos/{self.repository}/issues":
            assert set(body) <= {"title", "body", "labels", "assignees", "milestone"}, body
            assert isinstance(body.get("title"), str) and 1 <= len(body["title"]) <= 256
            assert isinstance(body.get("body"), str)
            labels = body.get("labels", [])
            assert isinstance(labels, list) and all(isinstance(x, str) for x in labels)
        else:
            assert request.path.endswith("/comments"), f"unexpected path {request.path}"
            assert set(body) == {"body"} and isinstance(body["body"], str) and body["body"]

    def _respond(self, request: Request) -> Answer:
        base = self.url.rstrip("/")
        prefix = f"/repos/{self.repository}/issues"
        with self._lock:
            if request.path == prefix:
                number = len(self.issues) + 1
                self.issues[number] = request.json()
                return _json(201, {
                    "number": number, "html_url": f"{base}/{self.repository}/issues/{number}",
                    "url": f"{base}{prefix}/{number}", "title": self.issues[number]["title"],
                    "state": "open",
                })  # fmt: skip
            found = request.path.removeprefix(prefix + "/").removesuffix("/comments")
            if not found.isdigit() or int(found) not in self.issues:
                return _json(404, {"message": "Not Found"})
            said = self.comments.setdefault(int(found), [])
            said.append(request.json()["body"])
            return _json(201, {"id": len(said), "body": said[-1],
                               "html_url": f"{base}/{self.repository}/issues/{found}"})  # fmt: skip


def _json(status: int, document: Any) -> Answer:
    return status, {"content-type": "application/json"}, json.dumps(document).encode()


@contextmanager
def issue_tracker(repository: str, token: str) -> Iterator[IssueTracker]:
    """An IssueTracker, closed at the end, that must then hold no request nobody took."""
    tracker = IssueTracker(repository, token)
    try:
        yield tracker
    finally:
        tracker.close()
    tracker.assert_silent()
