"""openreel's Python client: the seed guide's VideoGenerationModel, against an openreel server.

    import openreel
    from openreel.client import VideoGenerationModel, Image, exceptions

    openreel.init(base_url="http://127.0.0.1:8000", api_key=KEY, project="my-proj")
    operation = VideoGenerationModel.from_pretrained("veo-3.0-generate-001").generate_video(prompt="...")
    operation.result(timeout=300).videos[0].save("out.mp4")

It depends only on httpx and pydantic.
"""

from openreel.client import exceptions
from openreel.client.aio import AsyncOperation, AsyncVideoGenerationModel
from openreel.client.config import ClientConfig, RetryPolicy, init
from openreel.client.exceptions import (Aborted, Cancelled, DeadlineExceeded, FailedPrecondition,
                                        InternalServerError, InvalidArgument, NotFound, OpenreelAPIError,
                                        PermissionDenied, ResourceExhausted, ServiceUnavailable,
                                        Unauthenticated)
from openreel.client.model import GeneratedVideo, GenerationResponse, Image, Operation, VideoGenerationModel

__all__ = [
    "Aborted", "AsyncOperation", "AsyncVideoGenerationModel", "Cancelled", "ClientConfig", "DeadlineExceeded",
    "FailedPrecondition", "GeneratedVideo", "GenerationResponse", "Image", "InternalServerError",
    "InvalidArgument", "NotFound", "OpenreelAPIError", "Operation", "PermissionDenied", "ResourceExhausted",
    "RetryPolicy", "ServiceUnavailable", "Unauthenticated", "VideoGenerationModel", "exceptions", "init",
]
