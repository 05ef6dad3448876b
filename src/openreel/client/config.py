"""Where the client sends requests: set by openreel.init(), else read from the environment
(OPENREEL_BASE_URL, OPENREEL_API_KEY, OPENREEL_PROJECT, OPENREEL_LOCATION)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter on 429 and 503, honouring the server's RetryInfo."""

    max_attempts: int = 5
    initial_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 60.0


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = "http://127.0.0.1:8000"
    api_key: str | None = None
    # With a project, requests use the Vertex AI shape (projects/P/locations/L/...), as
    # vertexai.init(project=...) would; without one, the Gemini API shape.
    project: str | None = None
    location: str = "us-central1"
    retry: RetryPolicy | None = field(default_factory=RetryPolicy)
    timeout: float = 60.0


_current: ClientConfig | None = None


def init(base_url: str | None = None, api_key: str | None = None, project: str | None = None,
         location: str | None = None, retry: RetryPolicy | bool | None = None, timeout: float | None = None) -> ClientConfig:
    """Configure the client for this process (the openreel counterpart of vertexai.init)."""
    global _current
    env = from_environment()
    policy = env.retry if retry is None or retry is True else (None if retry is False else retry)
    _current = ClientConfig(base_url=(base_url or env.base_url).rstrip("/"), api_key=api_key or env.api_key,
                            project=project or env.project, location=location or env.location,
                            retry=policy, timeout=timeout or env.timeout)
    return _current


def from_environment() -> ClientConfig:
    return ClientConfig(base_url=os.environ.get("OPENREEL_BASE_URL", ClientConfig.base_url),
                        api_key=os.environ.get("OPENREEL_API_KEY"),
                        project=os.environ.get("OPENREEL_PROJECT"),
                        location=os.environ.get("OPENREEL_LOCATION", ClientConfig.location))


def current() -> ClientConfig:
    return _current if _current is not None else from_environment()
