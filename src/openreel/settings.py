"""The one Settings object: read once at start-up (env prefix OPENREEL_) and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

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
    # Empty means "the videos/ folder inside data_dir"; s3://bucket/prefix keeps videos, thumbnails
    # and inputs in any S3-compatible store (AWS S3, R2, MinIO, GCS interop) through boto3, with
    # credentials from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...).
    storage_url: str = ""
    # The S3 API's address for anything but AWS itself, e.g. https://<account>.r2.cloudflarestorage.com
    # or http://minio:9000. Empty: AWS.
    s3_endpoint_url: str = ""
    # Empty: boto3's own lookup (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config); R2 wants "auto".
    s3_region: str = ""
    # "path" for MinIO and most self-hosted stores; "auto" lets boto3 choose.
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # Buckets a Vertex request's storageUri may name besides the storage_url's own bucket, e.g.
    # "s3://team-videos,gs://veo-out" (comma-separated). A gs:// bucket is written through gcs_endpoint_url with the
    # same AWS credential variables (GCS HMAC keys); storageUri naming any other bucket is a 400.
    writable_buckets: str = ""
    gcs_endpoint_url: str = "https://storage.googleapis.com"
    # How GET .../files/ID:download answers: "stream" the bytes through openreel, or "redirect"
    # (302) to a presigned URL of the object store, valid for presigned_url_seconds.
    download_mode: Literal["stream", "redirect"] = "stream"
    presigned_url_seconds: int = Field(default=900, gt=0, le=7 * 24 * 3600)
    # Videos, thumbnails and inputs are deleted this long after their operation ends (Gemini
    # keeps generated files for 2 days); 0 keeps them for good.
    retention_hours: float = Field(default=48.0, ge=0, le=24 * 365 * 100)
    retention_sweep_seconds: float = Field(default=300.0, gt=0, le=86400)
    # A video's live-stream chunks (GET operations/{id}:live) stay this long after their operation
    # ends, for viewers still playing them; later viewers get the finished MP4.
    live_stream_keep_seconds: float = Field(default=600.0, ge=0, le=86400)
    # The scheme and host written into video URIs, e.g. https://videos.example.com behind a TLS proxy.
    # Empty means "the scheme and host each request came in on".
    public_url: str = ""

    # Empty: the embedded deployment's in-process workers. A Celery broker URL (redis://host:6379/0,
    # amqp://..., sqs://...) sends work to `openreel worker` processes, one queue per model; the
    # API processes then run with --workers 0 (docs/deploy.md).
    queue_url: str = ""
    # A queued operation whose message looks lost (sent this long ago and still not claimed, as
    # after a broker restart without its AOF) gets another; duplicates drop themselves.
    queue_resend_seconds: float = Field(default=300.0, gt=0)
    # Redis hands an unacknowledged message to another worker after this long: it must be longer
    # than the longest job (every model's timeout_seconds), or a running job's message would be
    # delivered again (a wasted delivery: the store fences the job itself).
    queue_visibility_timeout_seconds: float = Field(default=7200.0, gt=0)

    require_api_key: bool = True
    # Guards the admin API (/v1/admin/...): keys, projects' limits, any project's usage. Empty: off.
    admin_key: str = ""
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
    # Prices per model for usage records (billing/pricing.py documents the shape); unset models
    # use the "*" entry, the seed guide's figures.
    pricing: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # What the remote APIs behind upstream engines charge, by remote model id, for the remote cost
    # estimate on usage records (billing/remote_cost.py; defaults: Google's published Veo prices).
    remote_pricing: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Webhook URLs may not reach private, loopback or link-local addresses unless this list of
    # hosts or CIDRs (comma-separated) names them.
    webhook_allowlist: str = ""
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # A project webhook is disabled once this many of its deliveries in a row failed for good
    # (each after its whole retry schedule); enabling it again (PATCH state) starts afresh.
    webhook_disable_after_failures: int = Field(default=3, ge=1)
    # Seconds between a failed attempt and the next, ±20 % jitter; after the last the delivery
    # has failed for good. The default spans more than a day.
    webhook_retry_seconds: list[Annotated[float, Field(ge=0, le=7 * 86400)]] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0], max_length=50)
    # A generation running longer than this fails with DEADLINE_EXCEEDED (the guide: up to 10 min).
    generation_timeout_seconds: float = Field(default=600.0, gt=0)
    # An operation whose engine must wait (a remote API's limits) stays queued up to this long
    # from its creation, then fails with DEADLINE_EXCEEDED; a catalog entry's max_wait_seconds wins.
    max_wait_seconds: float = Field(default=3600.0, gt=0)
    # How long a SQLite write waits for the lock before the call answers 503 with RetryInfo.
    database_busy_timeout_seconds: float = Field(default=10.0, gt=0)
    # Creates answer 503 (and /readyz says why) once the storage has less free space than this.
    min_free_disk_bytes: int = Field(default=256 * 1024 * 1024, ge=0)
    # On SIGTERM, open connections get this long to end before the server closes them.
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0)

    max_image_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_video_bytes: int = 200 * 1024 * 1024
    # An operator's catalog file (TOML, or JSON ending .json) of extra or overriding model entries
    # (engines/catalog.py shows the shape).
    catalog_path: Path | None = None
    # The model ids this process's workers serve, comma-separated (e.g. "wan2.1-t2v-1.3b,ltx-2"):
    # they load those pipelines at start and keep them loaded, and claim only their operations.
    # Empty: every model, each loaded when its first operation arrives.
    worker_models: str = ""
    # `openreel worker` serves its Prometheus metrics on this port of OPENREEL_HOST (0: none). An API
    # process serves its own at /metrics on its HTTP port.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # The safety policy (a TOML file; openreel/safety/policy.py shows the shape): per category
    # block, review or off, and the semantic thresholds; allowed terms; per-project overrides.
    # Unset: every category blocks at the default thresholds.
    safety_policy: Path | None = None
    # The semantic prompt classifier (MiniLM, the [safety] extra): "auto" runs it when installed.
    safety_classifier: Literal["auto", "off"] = "auto"
    # The output stage's frame classifier: "auto" (nudenet when the [safety-frames] extra is
    # installed), "off", or a name registered under the openreel.frame_classifiers entry points.
    safety_frame_classifier: str = "auto"
    # Content credentials: every generated MP4 carries a signed C2PA manifest stating that it was
    # made by AI, by which model and engine, with which openreel, and when (openreel/provenance).
    content_credentials: bool = True
    # The signing certificate chain (PEM, the signer's certificate first) and its private key. Unset:
    # a development certificate made at first start under data_dir/c2pa, which readers report as
    # valid but untrusted.
    c2pa_cert: Path | None = None
    c2pa_key: Path | None = None
    # An RFC 3161 timestamp authority, so that manifests stay valid after the certificate expires.
    # Empty: none, and signing needs no network.
    c2pa_tsa_url: str = ""
    # Log lines as JSON objects, one per line (structlog), or as text for a terminal.
    log_format: Literal["json", "text"] = "text"

    @property
    def served_models(self) -> tuple[str, ...] | None:
        """worker_models as a tuple of ids; None when the workers serve every model."""
        listed = (m.strip().removeprefix("models/") for m in self.worker_models.split(","))
        ids = tuple(dict.fromkeys(m for m in listed if m))
        return ids or None

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
