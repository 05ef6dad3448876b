"""openreel's Python client: the seed guide's VideoGenerationModel, against an openreel server.

    import openreel
    from openreel.client import VideoGenerationModel, Image, exceptions

    openreel.init(base_url="http://127.0.0.1:8000", api_key=KEY, project="my-proj")
    operation = VideoGenerationModel.from_pretrained("veo-3.0-generate-001").generate_video(prompt="...")
    operation.result(timeout=300).videos[0].save("out.mp4")

It depends only on httpx and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from openreel.client import exceptions
from openreel.client.config import ClientConfig, RetryPolicy, init
from openreel.client.exceptions import (Aborted, Cancelled, DeadlineExceeded, FailedPrecondition,
                                        InternalServerError, InvalidArgument, NotFound, OpenreelAPIError,
                                        PermissionDenied, ResourceExhausted, ServiceUnavailable,
                                        Unauthenticated, UnexpectedResponse)

if TYPE_CHECKING:
    from openreel.client.aio import AsyncOperation, AsyncVideoGenerationModel
    from openreel.client.model import GeneratedVideo, GenerationResponse, Image, Operation, VideoGenerationModel
    from openreel.client.storyboard import Scene

# The models pull in httpx and the wire schemas; they load on first use, so that importing the
# exceptions or the config (as the CLI does to print help) stays cheap.
_LAZY = {"AsyncOperation": "openreel.client.aio", "AsyncVideoGenerationModel": "openreel.client.aio",
         "GeneratedVideo": "openreel.client.model", "GenerationResponse": "openreel.client.model",
         "Image": "openreel.client.model", "Operation": "openreel.client.model",
         "VideoGenerationModel": "openreel.client.model", "Scene": "openreel.client.storyboard"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Aborted", "AsyncOperation", "AsyncVideoGenerationModel", "Cancelled", "ClientConfig", "DeadlineExceeded",
    "FailedPrecondition", "GeneratedVideo", "GenerationResponse", "Image", "InternalServerError",
    "InvalidArgument", "NotFound", "OpenreelAPIError", "Operation", "PermissionDenied", "ResourceExhausted",
    "RetryPolicy", "Scene", "ServiceUnavailable", "Unauthenticated", "UnexpectedResponse", "VideoGenerationModel", "exceptions",
    "init",
]
