"""Blob storage for generated videos: an interface and its backends, picked by URL."""

from openreel.storage.base import Storage, storage_from_url

__all__ = ["Storage", "storage_from_url"]
