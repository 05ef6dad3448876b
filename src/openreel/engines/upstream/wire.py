"""The remote's request shapes (../shared/spec/veo-wire.md): where each call goes on the chosen
surface, and a local GenerationRequest as the create body that surface expects."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from openreel.domain.request import GenerationRequest, ImageInput
from openreel.engines.upstream.options import UpstreamOptions


class Routes:
    """URLs of one entry's remote calls."""

    def __init__(self, options: UpstreamOptions) -> None:
        self.options = options
        root, version, model = options.root_url, options.version, quote(options.remote_model, safe="")
        if options.surface == "gemini":
            self.model_resource = f"models/{model}"
        elif options.express:
            self.model_resource = f"publishers/google/models/{model}"
        else:
            location = f"projects/{quote(options.project or '', safe='')}/locations/{quote(options.location, safe='')}"
            self.model_resource = f"{location}/publishers/google/models/{model}"
        self.base = f"{root}/{version}"
        self.create = f"{self.base}/{self.model_resource}:predictLongRunning"

    def poll(self, name: str) -> tuple[str, str, dict[str, Any] | None]:
        """(method, url, json body): Vertex fetches through the model; the Gemini API GETs the name."""
        if self.options.surface == "gemini":
            return "GET", f"{self.base}/{_path(name)}", None
        return "POST", f"{self.base}/{self.model_resource}:fetchPredictOperation", {"operationName": name}

    def cancel(self, name: str) -> str:
        return f"{self.base}/{self._operation_path(name)}:cancel"

    def delete(self, name: str) -> str:
        return f"{self.base}/{self._operation_path(name)}"

    def gcs_object(self, gcs_uri: str) -> str:
        """Cloud Storage's XML API URL of a gs:// object (it takes the same OAuth token)."""
        bucket, _, obj = gcs_uri.removeprefix("gs://").partition("/")
        return f"{self.options.gcs_base_url.rstrip('/')}/{quote(bucket, safe='')}/{quote(obj, safe='/')}"

    def _operation_path(self, name: str) -> str:
        """Google's generic operations resource: projects/P/locations/L/operations/ID on Vertex
        (Veo's operation names hang under the publisher model, which has no cancel of its own)."""
        if self.options.surface == "gemini" or self.options.express:
            return _path(name)
        head, _, op_id = name.rpartition("/operations/")
        location = head.split("/publishers/", 1)[0]
        return f"{_path(location)}/operations/{quote(op_id, safe='')}"


def _path(name: str) -> str:
    return "/".join(quote(part, safe="") for part in name.split("/"))


def create_body(request: GenerationRequest, options: UpstreamOptions) -> dict[str, Any]:
    """The request in the remote surface's shape. What only openreel handles (webhooks, the
    caller's storageUri, Pub/Sub) stays here; the seed goes to Vertex, which takes one."""
    vertex = options.surface == "vertex"
    instance: dict[str, Any] = {"prompt": request.prompt}
    if request.image is not None:
        instance["image"] = _image(request.image)
    if request.last_frame is not None:
        instance["lastFrame"] = _image(request.last_frame)
    if request.reference_images:
        instance["referenceImages"] = [{"image": _image(ref.image), "referenceType": ref.reference_type.value}
                                       for ref in request.reference_images]
    if request.video is not None and request.video.data is not None:
        data = base64.b64encode(request.video.data).decode()
        instance["video"] = ({"bytesBase64Encoded": data, "mimeType": request.video.mime_type} if vertex
                             else {"encodedVideo": data, "encoding": request.video.mime_type})
    parameters: dict[str, Any] = {
        "sampleCount": request.sample_count, "durationSeconds": request.duration_seconds,
        "aspectRatio": request.aspect_ratio.value, "resolution": request.resolution.value,
        "personGeneration": request.person_generation.value,
    }
    if request.negative_prompt:
        parameters["negativePrompt"] = request.negative_prompt
    if request.enhance_prompt:
        parameters["enhancePrompt"] = True
    body: dict[str, Any] = {"instances": [instance], "parameters": parameters}
    if vertex:
        # The Gemini API takes none of these (Google's SDKs refuse them there); its Veo 3 videos
        # always have sound.
        parameters |= {"seed": request.seed, "generateAudio": request.generate_audio,
                       "compressionQuality": request.compression_quality.value}
        if request.image is not None:
            parameters["resizeMode"] = request.resize_mode.value
        if options.storage_uri:
            parameters["storageUri"] = options.storage_uri
        if request.labels:
            body["labels"] = dict(request.labels)
    return body


def _image(image: ImageInput) -> dict[str, str]:
    return {"bytesBase64Encoded": base64.b64encode(image.content).decode(), "mimeType": image.mime_type}
