"""The one Settings object: read once at start-up (env prefix OPENREEL_) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENREEL_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # Where the SQLite file and local videos live in the embedded deployment.
    data_dir: Path = Path("./data")
    # Empty means "the SQLite file inside data_dir"; set a postgresql+psycopg:// URL to scale out.
    database_url: str = ""
    # Empty means "the videos/ folder inside data_dir".
    storage_url: str = ""
    # The scheme and host written into video URIs, e.g. https://videos.example.com behind a TLS proxy.
    # Empty means "the scheme and host each request came in on".
    public_url: str = ""

    require_api_key: bool = True
    # In-process workers started by `openreel serve`; 0 runs an API-only replica.
    workers: int = Field(default=1, ge=0)
    lease_seconds: float = Field(default=30.0, gt=0)
    # Each heartbeat also saves progress, so this is how often progress bars move.
    heartbeat_seconds: float = Field(default=1.0, gt=0)
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    # Attempts an operation gets when its worker dies mid-run before it is failed for good.
    max_attempts: int = Field(default=3, ge=1)
    # Load shedding: with this many operations queued, new ones get 503 UNAVAILABLE.
    max_queued: int = Field(default=1000, ge=1)
    # Per-tier overrides of the seed guide's rate limits, e.g. OPENREEL_TIER_LIMITS=
    # '{"enterprise": {"requests_per_minute": 600, "concurrent": 50}}' (null: no limit).
    tier_limits: dict[str, dict[str, int | None]] = Field(default_factory=dict)
    # A generation running longer than this fails with DEADLINE_EXCEEDED (the guide: up to 10 min).
    generation_timeout_seconds: float = Field(default=600.0, gt=0)
    # How long a SQLite write waits for the lock before the call answers 503 with RetryInfo.
    database_busy_timeout_seconds: float = Field(default=10.0, gt=0)
    # Creates answer 503 (and /readyz says why) once the storage has less free space than this.
    min_free_disk_bytes: int = Field(default=256 * 1024 * 1024, ge=0)
    # On SIGTERM, open connections get this long to end before the server closes them.
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0)

    max_image_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_video_bytes: int = 200 * 1024 * 1024
    # An operator's JSON file of extra or overriding catalog entries (model id -> engine).
    catalog_path: Path | None = None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def sqlite_path(self) -> Path:
        """The embedded database's file, used when database_url is unset."""
        return self.data_dir / "openreel.db"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{(self.data_dir / 'videos').resolve()}"

    # The largest request body accepted, in bytes. Unset means "the largest legal create request":
    # base64 of max_video_bytes plus five images (image, lastFrame, three references) plus JSON slack.
    max_request_bytes: int | None = Field(default=None, gt=0)
