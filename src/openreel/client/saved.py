"""A project's saved characters and styles, from the client:

    from openreel.client.saved import SavedReferences
    saved = SavedReferences()
    mia = saved.create_character("Mia", [Image.load_from_file("mia.png")])
    look = saved.create_style("teal film", video_bytes=Path("example.mp4").read_bytes())
    model.generate_video("Mia walks on a beach", character=mia["name"], style_reference=look["name"])
"""

from __future__ import annotations

import base64
from typing import Any

from openreel.client import config as client_config
from openreel.client.model import Image
from openreel.client.transport import Transport
from openreel.client.wire import path_segment


class SavedReferences:
    def __init__(self, config: client_config.ClientConfig | None = None) -> None:
        self._transport = Transport(config or client_config.current())

    def create_character(self, display_name: str, images: list[Image]) -> dict[str, Any]:
        """A character from 1-3 images of it: {name: characters/ID, displayName, images, createTime}."""
        return self._transport.request("POST", "/v1beta/characters", json={
            "displayName": display_name, "images": [image.to_wire() for image in images]})

    def create_style(self, display_name: str, video_bytes: bytes | None = None,
                     video_uri: str | None = None) -> dict[str, Any]:
        """A style from an example video: its bytes, or the uri of a video the server made."""
        video = ({"uri": video_uri} if video_uri is not None else
                 {"bytesBase64Encoded": base64.b64encode(video_bytes or b"").decode("ascii"), "mimeType": "video/mp4"})
        return self._transport.request("POST", "/v1beta/styles", json={"displayName": display_name, "video": video})

    def get(self, name: str) -> dict[str, Any]:
        return self._transport.request("GET", f"/v1beta/{_path(name)}")

    def list(self, collection: str = "characters") -> list[dict[str, Any]]:
        """Every character (or, with "styles", every style) of the project, oldest first."""
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            page = self._transport.request("GET", f"/v1beta/{path_segment(collection)}?pageSize=100&pageToken={token}")
            found += page.get(collection, [])
            token = page.get("nextPageToken", "")
            if not token:
                return found

    def delete(self, name: str) -> None:
        self._transport.request("DELETE", f"/v1beta/{_path(name)}")


def _path(name: str) -> str:
    return "/".join(path_segment(part) for part in name.split("/"))
