"""openreel: a self-hosted video-generation service that speaks Google's Veo API."""

__version__ = "0.1.0"


def init(base_url: str | None = None, api_key: str | None = None, project: str | None = None,
         location: str | None = None, **options: object) -> object:
    """Configure openreel's Python client (the counterpart of vertexai.init); see openreel.client."""
    from openreel.client.config import init as client_init

    return client_init(base_url=base_url, api_key=api_key, project=project, location=location, **options)  # type: ignore[arg-type]
