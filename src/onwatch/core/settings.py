"""Settings, read from ONWATCH_* environment variables when the CLI or app factory asks."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("onwatch-data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONWATCH_", extra="ignore")

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
    # Ack and resolve links in messages (notifications/links.py; the key: core/signing.py).
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs ack and resolve links; empty: a key file made once in data_dir. "
        "Every process and host must share it.",
    )
    link_lifetime_hours: int = Field(
        24, ge=1, le=720, description="How long an ack or resolve link in a message works."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onwatch.db').resolve()}"

    def resolved_base_url(self) -> str:
        scheme = "https" if self.tls_cert_file else "http"
        return (self.base_url or f"{scheme}://{self.host}:{self.port}").rstrip("/")
