"""An upstream catalog entry's options, checked when the engine is built, so that a typo or a
missing key is a FAILED_PRECONDITION naming the entry's setting, not a failure mid-job.

    [models."veo-google"]
    engine = "upstream"
    surface = "vertex"                      # or "gemini"
    remote_model = "veo-3.1-generate-001"
    project = "my-gcp-project"
    location = "us-central1"
    credentials_file = "/etc/openreel/sa.json"   # or api_key / api_key_env; neither: application-default
    rpm = 10
    rpd = 1000
    concurrent = 5
"""

from __future__ import annotations

import hashlib
import os
from typing import Literal

from pydantic import Field, model_validator

from openreel.domain.remote_limits import RemoteLimits
from openreel.engines.options import EngineOptions

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
GCS_BASE_URL = "https://storage.googleapis.com"


class UpstreamOptions(EngineOptions):
    engine = "upstream"

    surface: Literal["vertex", "gemini"] = "vertex"
    # The remote's root URL; unset: Google's own (https://{location}-aiplatform.googleapis.com for
    # Vertex, or its global host for location "global"; the Gemini API's host).
    base_url: str | None = None
    remote_model: str = Field(min_length=1)
    # The API version in the remote's paths; unset: v1 on Vertex, v1beta on the Gemini API.
    api_version: str | None = None
    # Credentials. An API key (the Gemini API, or Vertex express mode), given here or, better, in
    # the named environment variable; for Vertex without a key, a service-account file, or
    # application-default credentials when there is none (GOOGLE_APPLICATION_CREDENTIALS, gcloud).
    api_key: str | None = Field(default=None, repr=False)
    api_key_env: str | None = None
    credentials_file: str | None = None
    project: str | None = None
    location: str = "us-central1"
    # The remote project's limits for this model; unset, there is none (the remote's 429s still
    # slow the engine down, with backoff). Entries with the same remote identity share counts.
    rpm: int | None = Field(default=None, ge=0)
    rpd: int | None = Field(default=None, ge=0)
    concurrent: int | None = Field(default=None, ge=1)
    # Entries that name the same limit_key share one count (unset: surface, URL, project,
    # location, remote model and credentials together identify the remote quota).
    limit_key: str | None = None
    # Vertex only: a gs:// prefix where the remote writes the videos (read back through the same
    # credentials from gcs_base_url); unset, videos come back inline in the operation.
    storage_uri: str | None = None
    gcs_base_url: str = GCS_BASE_URL
    poll_interval_seconds: float = Field(default=10.0, gt=0)
    # Backoff after a 429 or 5xx: from this, doubling, jittered, up to max_backoff_seconds (a
    # RetryInfo or Retry-After from the remote is waited for at least).
    first_backoff_seconds: float = Field(default=5.0, gt=0)
    max_backoff_seconds: float = Field(default=300.0, gt=0)
    request_timeout_seconds: float = Field(default=60.0, gt=0)
    # The most a remote may send, cut off past it rather than allowed to fill the memory or the
    # disk: a JSON answer (held in memory while it is read; Vertex's inline videos come in one),
    # and one downloaded video (streamed to disk).
    max_answer_bytes: int = Field(default=512 * 1024**2, gt=0)
    max_video_bytes: int = Field(default=2 * 1024**3, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> UpstreamOptions:
        for name in ("base_url", "gcs_base_url"):
            url = getattr(self, name)
            if url is not None and not url.startswith(("https://", "http://")):
                raise ValueError(f"{name} must be an http:// or https:// URL")
        if self.api_key and self.api_key_env:
            raise ValueError("set api_key or api_key_env, not both")
        if self.surface == "gemini" and not (self.api_key or self.api_key_env):
            raise ValueError('surface "gemini" needs api_key or api_key_env')
        if self.surface == "vertex" and not (self.api_key or self.api_key_env) and not self.project:
            raise ValueError('surface "vertex" needs project (with credentials_file or application-default '
                             "credentials), or api_key / api_key_env for express mode")
        if self.storage_uri is not None and (self.surface != "vertex" or not self.storage_uri.startswith("gs://")):
            raise ValueError('storage_uri is a gs:// prefix, on surface "vertex" only')
        return self

    @property
    def express(self) -> bool:
        """Vertex with an API key: Google's express mode, whose paths carry no project."""
        return self.surface == "vertex" and bool(self.api_key or self.api_key_env)

    @property
    def root_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.surface == "gemini":
            return GEMINI_BASE_URL
        if self.express or self.location == "global":
            return "https://aiplatform.googleapis.com"
        return f"https://{self.location}-aiplatform.googleapis.com"

    @property
    def version(self) -> str:
        return self.api_version or ("v1beta" if self.surface == "gemini" else "v1")

    def key(self) -> str | None:
        """The API key, without the whitespace a secret file or variable often ends with. The
        engine reads it once, for its first call to the remote: a rotated key needs a restart."""
        key = os.environ.get(self.api_key_env, "") if self.api_key_env else self.api_key or ""
        return key.strip() or None

    def limits(self) -> RemoteLimits:
        return RemoteLimits(self.limit_key or self._remote_identity(), self.rpm, self.rpd, self.concurrent)

    def _remote_identity(self) -> str:
        # The credential's digest, never the credential: this key is stored in the database.
        credential = self.api_key or self.api_key_env or self.credentials_file or "application-default"
        parts = [self.surface, self.root_url, self.project or "", self.location, self.remote_model,
                 hashlib.sha256(credential.encode()).hexdigest()[:16]]
        return "|".join(parts)[:256]
