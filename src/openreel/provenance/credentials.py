"""ContentCredentials: sign each generated MP4 with a C2PA manifest (c2pa-python), in place,
before it is stored.

Signing adds one `uuid` box after `ftyp` and moves nothing else but the chunk offsets it must:
the media bytes, and so every decoded frame and audio sample, stay as they were, and the moov
box stays before the media (faststart). It is offline: no timestamp authority unless the
operator names one (OPENREEL_C2PA_TSA_URL), and no network. A video that already carried a
manifest (from an upstream API, or another openreel) is signed as openreel's output, with the
manifest it came with kept as a componentOf ingredient: the chain back to its maker stays
readable."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import c2pa

from openreel.errors import InternalError, ServiceUnavailable
from openreel.provenance.certificates import SigningCertificate, development_certificate, operator_certificate
from openreel.provenance.manifest import Generation, manifest_definition
from openreel.settings import Settings

# c2pa's settings for a server: no thumbnail in the manifest (none is made for video anyway),
# and nothing fetched from the network while signing.
_CONTEXT_SETTINGS = {"builder": {"thumbnail": {"enabled": False}},
                     "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
_ALGORITHMS = {"es256": c2pa.C2paSigningAlg.ES256, "es384": c2pa.C2paSigningAlg.ES384,
               "es512": c2pa.C2paSigningAlg.ES512, "ed25519": c2pa.C2paSigningAlg.ED25519}


class ContentCredentials:
    def __init__(self, certificate: SigningCertificate, tsa_url: str | None = None) -> None:
        self.certificate, self.tsa_url = certificate, tsa_url
        self._lock = threading.Lock()
        self._made_in: int | None = None  # c2pa's objects do not survive a fork: made anew per process
        self._signer: c2pa.Signer | None = None
        self._context: c2pa.Context | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ContentCredentials | None:
        """The operator's certificate (OPENREEL_C2PA_CERT and OPENREEL_C2PA_KEY), or the
        development one under the data dir; None when OPENREEL_CONTENT_CREDENTIALS is off.
        ValueError saying what is wrong with a certificate that cannot sign."""
        if not settings.content_credentials:
            return None
        if (settings.c2pa_cert is None) != (settings.c2pa_key is None):
            raise ValueError("set both OPENREEL_C2PA_CERT and OPENREEL_C2PA_KEY, or neither")
        if settings.c2pa_cert is not None and settings.c2pa_key is not None:
            certificate = operator_certificate(settings.c2pa_cert, settings.c2pa_key)
        else:
            certificate = development_certificate(settings.data_dir)
        credentials = cls(certificate, settings.c2pa_tsa_url or None)
        credentials._ready()  # a certificate c2pa refuses stops the start, not the first video
        return credentials

    def sign(self, path: Path, generation: Generation) -> None:
        """Replace the MP4 at `path` with the same video carrying a signed manifest of `generation`.
        InternalError if it cannot be signed: an unsigned video is never passed on."""
        signer, context = self._ready()
        descriptor, name = tempfile.mkstemp(prefix=".c2pa-", suffix=".mp4", dir=path.parent)
        staged = Path(name)
        try:
            with c2pa.Builder(manifest_definition(generation), context=context) as builder:
                if self._carries_manifest(path, context):
                    # Credentials it came with (an upstream API's) are kept, as an ingredient.
                    with path.open("rb") as delivered:
                        builder.add_ingredient({"title": "the video as its engine delivered it",
                                                "relationship": "componentOf"}, "video/mp4", delivered)
                with path.open("rb") as source, os.fdopen(descriptor, "w+b") as target:
                    descriptor = -1  # the file object owns it now
                    builder.sign(signer, "video/mp4", source, target)
            os.replace(staged, path)
        except c2pa.C2paError as exc:
            if self.tsa_url and "http" in str(exc).lower():
                # The timestamp authority did not answer: another attempt may find it up.
                raise ServiceUnavailable(f"The timestamp authority for content credentials did not answer: {exc}") \
                    from exc
            raise InternalError(f"The video could not be signed with content credentials: {exc}") from exc
        finally:
            if descriptor != -1:
                os.close(descriptor)
            staged.unlink(missing_ok=True)  # gone already once it replaced the video

    @staticmethod
    def _carries_manifest(path: Path, context: c2pa.Context) -> bool:
        reader = c2pa.Reader.try_create(str(path), context=context)
        if reader is None:
            return False
        reader.close()
        return True

    def _ready(self) -> tuple[c2pa.Signer, c2pa.Context]:
        with self._lock:
            if self._made_in != os.getpid() or self._signer is None or self._context is None:
                cert = self.certificate
                info = c2pa.C2paSignerInfo(_ALGORITHMS[cert.algorithm], cert.chain_pem, cert.key_pem, self.tsa_url)
                try:
                    self._signer = c2pa.Signer.from_info(info)
                except c2pa.C2paError as exc:
                    raise ValueError(f"the content credentials certificate cannot sign: {exc}") from exc
                self._context = c2pa.Context.from_dict(_CONTEXT_SETTINGS)
                self._made_in = os.getpid()
            return self._signer, self._context


def read_manifest(path: Path, trust_anchors: bytes | None = None) -> dict[str, Any] | None:
    """The video's C2PA manifest store as c2pa's Reader reports it (its validation_state is
    Trusted, Valid or Invalid), or None when it carries none; trust_anchors (PEM) are roots whose
    certificates count as trusted."""
    settings: dict[str, Any] = dict(_CONTEXT_SETTINGS)
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors.decode()}
    reader = c2pa.Reader.try_create(str(path), context=c2pa.Context.from_dict(settings))
    if reader is None:
        return None
    with reader:
        store: dict[str, Any] = json.loads(reader.json())
        return store
