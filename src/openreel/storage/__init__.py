"""Blob storage for videos, thumbnails and inputs: an interface and its backends, picked by URL."""

from openreel.storage.base import Readable, Storage, StorageFull, StorageUnavailable
from openreel.storage.destinations import Destination, Destinations
from openreel.storage.factory import storage_from_settings

__all__ = ["Destination", "Destinations", "Readable", "Storage", "StorageFull", "StorageUnavailable",
           "storage_from_settings"]
