"""Content credentials on a real MP4, signed with c2pa-python and read back with c2pa's own Reader:
what the manifest states, that the media is untouched (every decoded frame and audio sample, and
faststart), that tampering shows, and which certificates sign."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import openreel
from openreel.media.encode import AUDIO_RATE, Mp4Encoder
from openreel.provenance.certificates import development_certificate, operator_certificate
from openreel.provenance.credentials import ContentCredentials
from openreel.provenance.manifest import ALGORITHMIC_MEDIA, TRAINED_ALGORITHMIC_MEDIA, Generation
from tests.inprocess import explicit_settings
from tests.support import content_credentials, decode_mp4

WHEN = datetime(2026, 12, 3, 12, 30, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of 720p with sound, as the render path encodes them."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal((2, 2 * AUDIO_RATE)) * 0.1).astype(np.float32)
    with Mp4Encoder(path, 1280, 720, 24, audio=audio) as encoder:
        for index in range(48):
            encoder.write_frame(np.full((720, 1280, 3), (index * 5) % 256, np.uint8))
    return path


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> ContentCredentials:
    made = ContentCredentials.from_settings(explicit_settings(tmp_path_factory.mktemp("data")))
    assert made is not None
    return made


def signed_copy(clip: Path, credentials: ContentCredentials, tmp_path: Path,
                generation: Generation = Generation("wan2.2-t2v-a14b", "diffusers", WHEN)) -> Path:
    copy = tmp_path / "signed.mp4"
    shutil.copyfile(clip, copy)
    credentials.sign(copy, generation)
    return copy


def test_the_manifest_states_ai_generation_model_engine_version_and_time(clip: Path, tmp_path: Path,
                                                                         credentials: ContentCredentials) -> None:
    read = content_credentials(signed_copy(clip, credentials, tmp_path).read_bytes())
    assert read is not None
    assert read.source_types == [TRAINED_ALGORITHMIC_MEDIA]
    assert read.generation == {"model": "wan2.2-t2v-a14b", "engine": "diffusers", "generator": "openreel",
                               "generator_version": openreel.__version__, "created": "2026-12-03T12:30:05Z"}
    assert read.claim_generator[0]["name"] == "openreel"
    # Signed by the development certificate: intact and valid, but trusted by no reader by default.
    assert (read.state, read.failures) == ("Valid", ["signingCredential.untrusted"])


def test_the_procedural_renderer_is_declared_algorithmic_not_a_trained_model(clip: Path, tmp_path: Path,
                                                                             credentials: ContentCredentials) -> None:
    signed = signed_copy(clip, credentials, tmp_path, Generation("veo-3.1-generate-001", "procedural", WHEN,
                                                                 trained_model=False))
    read = content_credentials(signed.read_bytes())
    assert read is not None and read.source_types == [ALGORITHMIC_MEDIA]


def test_the_development_root_makes_the_manifest_trusted(clip: Path, tmp_path: Path,
                                                        credentials: ContentCredentials) -> None:
    assert credentials.certificate.root is not None
    read = content_credentials(signed_copy(clip, credentials, tmp_path).read_bytes(),
                               trust_anchors=credentials.certificate.root.read_bytes())
    assert read is not None and read.state == "Trusted"


def test_signing_leaves_every_frame_and_sample_and_faststart_as_they_were(clip: Path, tmp_path: Path,
                                                                         credentials: ContentCredentials) -> None:
    before = decode_mp4(clip.read_bytes(), keep_frames=True)
    after = decode_mp4(signed_copy(clip, credentials, tmp_path).read_bytes(), keep_frames=True)
    assert after.frame_count == before.frame_count == 48
    assert all(np.array_equal(a, b) for a, b in zip(after.frames, before.frames))
    assert after.audio is not None and before.audio is not None and np.array_equal(after.audio, before.audio)
    assert after.moov_before_mdat and before.moov_before_mdat


def test_a_changed_byte_in_the_media_makes_the_manifest_invalid(clip: Path, tmp_path: Path,
                                                                credentials: ContentCredentials) -> None:
    data = bytearray(signed_copy(clip, credentials, tmp_path).read_bytes())
    data[data.find(b"mdat") + 5000] ^= 0xFF
    read = content_credentials(bytes(data))
    assert read is not None and read.state == "Invalid"
    assert any("mismatch" in code for code in read.failures)


def test_a_video_that_arrives_signed_keeps_its_credentials_as_an_ingredient_of_openreels(
        clip: Path, tmp_path: Path, credentials: ContentCredentials) -> None:
    upstream = signed_copy(clip, credentials, tmp_path, Generation("veo-3.1-generate-001", "remote", WHEN))
    credentials.sign(upstream, Generation("veo", "upstream", WHEN))
    read = content_credentials(upstream.read_bytes())
    assert read is not None and read.state == "Valid" and read.failures == ["signingCredential.untrusted"]
    assert (read.generation["engine"], read.generation["model"]) == ("upstream", "veo")
    assert read.source_types == [TRAINED_ALGORITHMIC_MEDIA]
    [ingredient] = read.ingredients
    assert ingredient["relationship"] == "componentOf"
    assert ingredient["generation"] == read.generation | {"engine": "remote", "model": "veo-3.1-generate-001"}


def test_an_operator_certificate_signs_and_a_mismatched_or_unsupported_key_is_refused(
        clip: Path, tmp_path: Path) -> None:
    chain = development_certificate(tmp_path / "ca")  # stands in for a certificate an authority issued
    (tmp_path / "chain.pem").write_bytes(chain.chain_pem)
    (tmp_path / "key.pem").write_bytes(chain.key_pem)
    settings = explicit_settings(tmp_path / "data", c2pa_cert=tmp_path / "chain.pem", c2pa_key=tmp_path / "key.pem")
    operator = ContentCredentials.from_settings(settings)
    assert operator is not None and not operator.certificate.is_development
    read = content_credentials(signed_copy(clip, operator, tmp_path).read_bytes())
    assert read is not None and read.state == "Valid"
    assert not (tmp_path / "data" / "c2pa").exists()  # no development certificate was made

    other = development_certificate(tmp_path / "other")
    (tmp_path / "other.pem").write_bytes(other.key_pem)
    with pytest.raises(ValueError, match="is not the key of the first certificate"):
        operator_certificate(tmp_path / "chain.pem", tmp_path / "other.pem")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "rsa.pem").write_bytes(rsa_key)
    with pytest.raises(ValueError, match="ECDSA key"):
        operator_certificate(tmp_path / "chain.pem", tmp_path / "rsa.pem")
    with pytest.raises(ValueError, match="both"):
        ContentCredentials.from_settings(explicit_settings(tmp_path / "d", c2pa_cert=tmp_path / "chain.pem"))


def test_the_development_certificate_is_made_once_and_kept(tmp_path: Path) -> None:
    first = development_certificate(tmp_path)
    again = development_certificate(tmp_path)
    assert first == again and first.is_development
    assert (tmp_path / "c2pa" / "signer.key").stat().st_mode & 0o777 == 0o600


def test_switched_off_there_is_nothing_to_sign_with(tmp_path: Path) -> None:
    assert ContentCredentials.from_settings(explicit_settings(tmp_path, content_credentials=False)) is None


def test_signing_holds_no_file_open_and_leaves_no_temporary_file(clip: Path, tmp_path: Path,
                                                                 credentials: ContentCredentials) -> None:
    copy = tmp_path / "signed.mp4"
    shutil.copyfile(clip, copy)
    credentials.sign(copy, Generation("m", "diffusers", WHEN))
    open_before = len(os.listdir("/proc/self/fd"))
    for _ in range(30):
        credentials.sign(copy, Generation("m", "diffusers", WHEN))
    assert len(os.listdir("/proc/self/fd")) <= open_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signed.mp4"]


def test_an_operator_certificate_c2pa_would_refuse_is_refused_at_start(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a TLS server certificate")])
    server_only = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + timedelta(days=30))
                   .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
                   .sign(key, hashes.SHA256()))
    (tmp_path / "chain.pem").write_bytes(server_only.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    with pytest.raises(ValueError, match="neither emailProtection nor documentSigning"):
        operator_certificate(tmp_path / "chain.pem", tmp_path / "key.pem")
    chain = development_certificate(tmp_path / "dev")
    (tmp_path / "dev.pem").write_bytes(chain.chain_pem)
    encrypted = serialization.load_pem_private_key(chain.key_pem, None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"))
    (tmp_path / "encrypted.pem").write_bytes(encrypted)
    with pytest.raises(ValueError, match="unencrypted"):
        operator_certificate(tmp_path / "dev.pem", tmp_path / "encrypted.pem")
    assert "PRIVATE KEY" not in repr(chain)  # the key never reaches a log line
