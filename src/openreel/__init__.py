"""openreel: a self-hosted video-generation service that speaks Google's Veo API."""

__version__ = "0.1.0"
