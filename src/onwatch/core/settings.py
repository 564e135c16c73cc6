"""Settings, read from ONWATCH_* environment variables when the CLI or app factory asks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from onwatch.core import secrets

DEFAULT_DATA_DIR = Path("onwatch-data")


class Settings(BaseSettings):
    # Errors never echo a value: some settings are secrets, or a secret pasted where a
    # reference belongs.
    model_config = SettingsConfigDict(
        env_prefix="ONWATCH_", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the embedded SQLite file lives.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means sqlite:///<data_dir>/onwatch.db."
    )
    host: str = Field("127.0.0.1", description="Address `onwatch serve` listens on.")
    port: int = Field(8080, description="Port `onwatch serve` listens on.")
    workers: int = Field(
        1, ge=1, le=64, description="HTTP processes of `onwatch serve` (one per core when busy)."
    )
    base_url: str = Field("", description="Public URL used in links; default http://host:port.")
    max_body_bytes: int = Field(1024 * 1024, description="Largest request body accepted (413).")
    intake_max_body_bytes: int = Field(512 * 1024, description="Largest intake body (413).")
    engine_interval_seconds: float = Field(1.0, description="Pause between engine ticks.")
    session_hours: int = Field(12, description="How long a web login lasts.")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set behind HTTPS).")
    db_pool_size: int = Field(10, description="Connections per process (PostgreSQL).")
    # What `onwatch serve` itself guards (cli/server.py, cli/http_protocol.py).
    max_header_bytes: int = Field(
        16 * 1024, ge=1024, description="Largest request line and headers accepted (431)."
    )
    header_timeout_seconds: float = Field(
        10.0, gt=0, description="Time a client has to send a request's line and headers (408)."
    )
    body_timeout_seconds: float = Field(
        30.0, gt=0, description="Time a client has to send a request's body after its headers."
    )
    tls_cert_file: str = Field("", description="PEM certificate (chain): serve HTTPS.")
    tls_key_file: str = Field("", description="PEM private key of tls_cert_file.")
    metrics_token: SecretStr = Field(
        SecretStr(""), description="When set, /metrics needs `Authorization: Bearer <token>`."
    )
    # Outgoing e-mail (channels/smtp.py): pages, channel messages, test notifications.
    smtp_host: str = Field("", description="SMTP server for e-mail; empty: e-mail cannot be sent.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port: 587 STARTTLS, 465 TLS.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls (upgrade after connecting), tls (from the start), none."
    )
    smtp_username: str = Field("", description="Login name at the SMTP server; empty: no login.")
    smtp_password: str = Field(
        "", description="The login's password as a reference: env:NAME or file:/path."
    )
    smtp_from: str = Field(
        "", description="Sender address; default onwatch@<host of ONWATCH_BASE_URL>."
    )
    smtp_ca_file: str = Field(
        "", description="PEM file of the CA to trust for the SMTP server (a private CA)."
    )
    smtp_timeout_seconds: float = Field(
        10.0, gt=0, le=300, description="Time an SMTP connection and each command may take."
    )

    @field_validator("smtp_password")
    @classmethod
    def _password_is_a_reference(cls, value: str) -> str:
        # The value stays a reference, read when a mail is sent, so it never sits in settings.
        if value:
            secrets.parse(value, "SMTP_PASSWORD")
        return value

    # Ack and resolve links in messages (notifications/links.py; the key: core/signing.py).
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs ack and resolve links; empty: a key file made once in data_dir. "
        "Every process and host must share it.",
    )
    link_lifetime_hours: int = Field(
        24, ge=1, le=720, description="How long an ack or resolve link in a message works."
    )
    handoff_notice_minutes: int = Field(
        15,
        ge=0,
        le=1440,
        description="How long before a hand-off its incoming and outgoing person are told; "
        "0: no hand-off notices.",
    )

    # Delivery of outbox rows (engine/delivery.py, docs/delivery.md).
    delivery_lease_seconds: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="How long an engine holds a message it is sending; "
        "a message held longer (its engine died) is sent again by another.",
    )
    delivery_max_attempts: int = Field(
        10, ge=1, le=100, description="Tries of one message before it is a dead letter."
    )
    delivery_retry_base_seconds: float = Field(
        30.0, gt=0, description="Wait after the first failed try; doubled after each next one."
    )
    delivery_retry_max_seconds: float = Field(
        3600.0, gt=0, description="Longest wait between two tries (before jitter)."
    )
    delivery_batch: int = Field(
        16, ge=1, le=1000, description="Messages an engine claims at once (sent in parallel)."
    )
    delivery_threads: int = Field(8, ge=1, le=64, description="Parallel sends per engine.")
    delivery_late_seconds: float = Field(
        60.0,
        gt=0,
        description="A message not sent this long after it was due is late (the heartbeat stops).",
    )
    heartbeat_url: str = Field(
        "",
        description="Pinged (GET) by the engine while nothing due is late: a dead man's "
        "switch for onwatch itself. Empty: no ping.",
    )
    heartbeat_interval_seconds: float = Field(
        60.0, gt=0, description="Time between two heartbeat pings."
    )
    # Upstream outages (upstream/actions.py, docs/upstream.md): the team roles told about one.
    upstream_owner_role: str = Field(
        "support_contact",
        description="The team role (of the upstream service's team) told about an upstream "
        "outage; without one, the service's or team's tech lead.",
    )
    product_owner_role: str = Field(
        "product_owner",
        description="The team role (of the affected service's team) told about an upstream "
        "outage and copied on later updates as the incident role of the same name.",
    )

    # Error tracking's intake (errors/, web/api/errors_intake.py, docs/errors.md).
    errors_max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest Sentry envelope or event body as sent, compressed or not (413).",
    )
    errors_max_decompressed_bytes: int = Field(
        4 * 1024 * 1024,
        ge=1024,
        description="Largest Sentry body once decompressed: a gzip or deflate body is refused "
        "(413) as soon as it expands past this.",
    )
    errors_attachment_max_bytes: int = Field(
        1024 * 1024,
        ge=0,
        description="Largest attachment kept with an event; a larger one is not stored but "
        "counted as dropped on the service's ingestion counts (0: keep none).",
    )
    errors_envelope_attachments_max_bytes: int = Field(
        2 * 1024 * 1024,
        ge=0,
        description="Most attachment bytes kept from one envelope, in the order sent; those "
        "past it are counted as dropped.",
    )
    errors_samples: int = Field(
        10, ge=1, le=1000, description="Latest events kept in full per error issue."
    )
    # The watch after each deploy (deploys/, docs/deploys.md).
    deploys_watch_minutes: int = Field(
        120,
        ge=1,
        le=7 * 24 * 60,
        description="How long after a deploy its release's errors are watched, unless the "
        "deploy says otherwise (its watch_minutes).",
    )
    errors_rate_limit: int = Field(
        30000,
        ge=0,
        description="Events per minute one DSN key may send (each process); 0: unlimited. "
        "A key's own rate_limit wins.",
    )
    errors_ticket_comment_minutes: int = Field(
        60,
        ge=1,
        description="Least time between two comments on an error issue's ticket: repeats "
        "within it are told together in the next comment.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onwatch.db').resolve()}"

    def resolved_base_url(self) -> str:
        scheme = "https" if self.tls_cert_file else "http"
        return (self.base_url or f"{scheme}://{self.host}:{self.port}").rstrip("/")
