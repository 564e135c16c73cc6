"""The evidence bundle that backs an escalation upstream (seed 000): sample failures with their
timestamp, URL, payload and error id, the total number of failures in a window and how many
unique client IPs they came from; as a JSON document and as Markdown. Pure: failures in (from
alert events today, error events later), a bundle out.

What is read of a failure's payload, at any depth up to MAX_DEPTH (keys compared without case,
`-`, `_` or `.`), the first key found in this order winning:
- URL: url, request_url, request.url, http.url, url.full, uri, endpoint
- error id: error_id, error.id, event_id, trace_id, request_id, correlation_id
- client IP: client_ip, remote_addr, remote_ip, x-forwarded-for (its first address),
  x-real-ip, network.client.ip, client.address, ip_address, ip
- timestamp: occurred_at, timestamp, @timestamp, time (ISO 8601 with a zone), else when the
  event was received.
Only values that read as a URL (http or https), an id (text or number) and an IP address count.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

URL_KEYS = ("url", "requesturl", "httpurl", "urlfull", "uri", "endpoint")
ERROR_ID_KEYS = ("errorid", "eventid", "traceid", "requestid", "correlationid")
CLIENT_IP_KEYS = (
    "clientip", "remoteaddr", "remoteip", "xforwardedfor", "xrealip", "networkclientip",
    "clientaddress", "ipaddress", "ip",
)  # fmt: skip
TIME_KEYS = ("occurredat", "timestamp", "time")
MAX_DEPTH = 4
MIN_SAMPLES = 3
DEFAULT_SAMPLES = 5
MAX_SAMPLES = 20
MAX_PAYLOAD_CHARS = 4000
MAX_WINDOW = timedelta(days=31)  # the longest window one bundle reads


@dataclass(frozen=True)
class Failure:
    """One failure as a monitor or an error tracker reported it: when it was received, what it
    said (its payload as sent), how many times it happened in a row, and where it came from
    (`alert 12`, later `error event 7`)."""

    at: datetime
    payload: Mapping[str, Any]
    summary: str = ""
    origin: str = ""
    times: int = 1
    # The client's address when the reporter stored it apart (an error event's); else read
    # from the payload.
    client_ip: str | None = None


@dataclass(frozen=True)
class Sample:
    at: datetime
    summary: str
    origin: str
    url: str | None
    error_id: str | None
    payload: Any  # the payload, or its JSON cut to MAX_PAYLOAD_CHARS when longer
    payload_cut: bool


@dataclass(frozen=True)
class Subject:
    """What the bundle is about: an incident, or (kind `error_issue`) an error issue, whose id
    is then `incident_id`."""

    incident_id: int
    title: str
    service: str
    upstream_service: str | None = None
    upstream_url: str | None = None
    kind: str = "incident"


@dataclass(frozen=True)
class Bundle:
    subject: Subject
    since: datetime
    until: datetime
    generated_at: datetime
    total_events: int
    unique_client_ips: int
    samples: list[Sample]
    notes: list[str] = field(default_factory=list)

    @property
    def has_enough_samples(self) -> bool:
        return len(self.samples) >= MIN_SAMPLES


def _normal(key: str) -> str:
    return "".join(c for c in key.lower() if c.isalnum() or c == "@").lstrip("@")


def _values(payload: Any, keys: Sequence[str], depth: int = 0) -> Iterator[tuple[int, Any]]:
    """(rank of the key in `keys`, value) for every key of `keys` found in the payload."""
    if depth > MAX_DEPTH:
        return
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            normal = _normal(str(key))
            if normal in keys:
                yield keys.index(normal), value
            if isinstance(value, Mapping | list):
                yield from _values(value, keys, depth + 1)
    elif isinstance(payload, list):
        for item in payload[:50]:
            yield from _values(item, keys, depth + 1)


def _first(payload: Any, keys: Sequence[str], accept: Any) -> Any:
    found = sorted(
        ((rank, i, value) for i, (rank, value) in enumerate(_values(payload, keys))),
        key=lambda item: (item[0], item[1]),
    )
    for _, _, value in found:
        accepted = accept(value)
        if accepted is not None:
            return accepted
    return None


def _as_url(value: Any) -> str | None:
    if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()[:2000]
    return None


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value).strip()[:200]
    return None


def _as_ip(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # X-Forwarded-For: "client, proxy1, proxy2"; the client is the first.
    first = value.split(",")[0].strip()
    if first.startswith("[") and "]" in first:  # [2001:db8::1]:443
        first = first[1 : first.index("]")]
    elif first.count(":") == 1:  # 203.0.113.7:51234
        first = first.split(":")[0]
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return None


def _as_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def url_of(payload: Mapping[str, Any]) -> str | None:
    return _first(payload, URL_KEYS, _as_url)


def error_id_of(payload: Mapping[str, Any]) -> str | None:
    return _first(payload, ERROR_ID_KEYS, _as_id)


def client_ip_of(payload: Mapping[str, Any]) -> str | None:
    return _first(payload, CLIENT_IP_KEYS, _as_ip)


def time_of(failure: Failure) -> datetime:
    return _first(failure.payload, TIME_KEYS, _as_time) or failure.at


def _sample(failure: Failure) -> Sample:
    text = json.dumps(failure.payload, sort_keys=True, default=str)
    cut = len(text) > MAX_PAYLOAD_CHARS
    return Sample(
        at=time_of(failure),
        summary=failure.summary,
        origin=failure.origin,
        url=url_of(failure.payload),
        error_id=error_id_of(failure.payload),
        payload=text[:MAX_PAYLOAD_CHARS] + "…" if cut else dict(failure.payload),
        payload_cut=cut,
    )


def choose_samples(failures: Sequence[Failure], count: int) -> list[Sample]:
    """Up to `count` samples, oldest first: those that say most (URL, error id) first, one per
    distinct URL and error id before any repeats, the newest first among equals."""
    samples = [_sample(f) for f in failures]
    order = sorted(
        range(len(samples)),
        key=lambda i: (
            -(samples[i].url is not None) - (samples[i].error_id is not None),
            -samples[i].at.timestamp(),
            -i,
        ),
    )
    chosen: list[int] = []
    seen: set[tuple[str | None, str | None]] = set()
    for i in order:
        said = (samples[i].url, samples[i].error_id)
        if said not in seen:
            seen.add(said)
            chosen.append(i)
    for i in order:
        if len(chosen) >= count:
            break
        if i not in chosen:
            chosen.append(i)
    picked = [samples[i] for i in chosen[:count]]
    return sorted(picked, key=lambda s: s.at)


def bundle(
    subject: Subject,
    failures: Iterable[Failure],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    samples: int = DEFAULT_SAMPLES,
    notes: Sequence[str] = (),
) -> Bundle:
    """The bundle of the failures received from `since` to `until`, both included."""
    inside = [f for f in failures if since <= f.at <= until]
    ips = {ip for ip in (f.client_ip or client_ip_of(f.payload) for f in inside) if ip}
    said = list(notes)
    if len(inside) < MIN_SAMPLES:
        said.append(
            f"Only {len(inside)} failure(s) in the window: an escalation asks for at least "
            f"{MIN_SAMPLES} samples; widen the window."
        )
    return Bundle(
        subject=subject,
        since=since,
        until=until,
        generated_at=now,
        total_events=sum(max(1, f.times) for f in inside),
        unique_client_ips=len(ips),
        samples=choose_samples(inside, samples),
        notes=said,
    )


def to_document(found: Bundle, url: str | None = None) -> dict[str, Any]:
    """The bundle as JSON (what the API's format=json returns and a snapshot keeps)."""
    s = found.subject
    about = {"id": s.incident_id, "title": s.title, "service": s.service}
    return {
        **({"error_issue": about} if s.kind == "error_issue" else {"incident": about}),
        "upstream": {"service": s.upstream_service, "url": s.upstream_url},
        "window": {"since": found.since.isoformat(), "until": found.until.isoformat()},
        "generated_at": found.generated_at.isoformat(),
        "total_events": found.total_events,
        "unique_client_ips": found.unique_client_ips,
        "samples": [
            {
                "at": x.at.isoformat(),
                "summary": x.summary,
                "origin": x.origin,
                "url": x.url,
                "error_id": x.error_id,
                "payload": x.payload,
                "payload_cut": x.payload_cut,
            }
            for x in found.samples
        ],
        "notes": found.notes,
        "url": url,
    }


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def to_markdown(document: Mapping[str, Any]) -> str:
    """The bundle as Markdown, from its JSON document (so a snapshot renders the same)."""
    upstream, window = document["upstream"], document["window"]
    incident = document.get("incident") or document["error_issue"]
    what = "incident" if document.get("incident") else "error issue"
    lines = [
        f"# Evidence: {what} #{incident['id']} {incident['title']}",
        "",
        f"- Service: {incident['service']}",
        f"- Upstream service: {upstream['service'] or '—'}",
        f"- Upstream report: {upstream['url'] or '—'}",
        f"- Window: {window['since']} to {window['until']}",
        f"- Total events: {document['total_events']}",
        f"- Unique client IPs: {document['unique_client_ips']}",
        f"- Generated: {document['generated_at']}",
    ]
    if document.get("url"):
        lines.append(f"- Kept at: {document['url']}")
    lines += ["", "## Sample failures", ""]
    if not document["samples"]:
        lines.append("None in the window.")
    for n, x in enumerate(document["samples"], 1):
        payload = x["payload"]
        text = (
            payload if isinstance(payload, str) else json.dumps(payload, indent=2, sort_keys=True)
        )
        lines += [
            f"### {n}. {_cell(x['summary'])}",
            "",
            f"- Timestamp: {x['at']}",
            f"- URL: {_cell(x['url'])}",
            f"- Error id: {_cell(x['error_id'])}",
            f"- From: {_cell(x['origin'])}",
            "",
            "```json",
            text.replace("```", "`\u200b``"),
            "```",
            "",
        ]
    if document["notes"]:
        lines += ["## Notes", "", *[f"- {note}" for note in document["notes"]], ""]
    return "\n".join(lines).rstrip() + "\n"
