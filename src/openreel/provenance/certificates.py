"""The signing certificate of content credentials: the operator's (a PEM chain and its key), or
a development one made at first start.

C2PA (c2pa-rs's certificate profile) signs only with an end-entity certificate: not a CA, key
usage digitalSignature, an extended key usage of emailProtection or documentSigning, and an
authority key identifier, so the development chain is a root CA and a leaf it issues. Readers
report manifests signed with it as valid but untrusted unless they add its root to their trust
anchors; production deployments supply a certificate from a C2PA-recognised authority."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning
# Without a timestamp authority a manifest reads as invalid once its certificate expires: a long
# life keeps development videos verifiable for as long as anyone keeps them.
DEV_VALIDITY = dt.timedelta(days=20 * 365)
DEV_DIR = "c2pa"


@dataclass(frozen=True)
class SigningCertificate:
    chain_pem: bytes  # the signer's certificate first, then its issuers
    key_pem: bytes = field(repr=False)  # a secret: never in a log line or a traceback
    algorithm: str = "es256"  # the COSE algorithm its key signs with: es256, es384, es512 or ed25519
    root: Path | None = None  # the development root: the trust anchor that makes its manifests trusted

    @property
    def is_development(self) -> bool:
        return self.root is not None


def operator_certificate(chain: Path, key: Path) -> SigningCertificate:
    """The operator's chain and key, checked for what C2PA needs of them; ValueError saying what
    is wrong otherwise."""
    chain_pem, key_pem = chain.read_bytes(), key.read_bytes()
    leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    if (problem := _profile_problem(leaf)) is not None:
        raise ValueError(f"{chain}: the first certificate cannot sign content credentials: {problem}")
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:  # encrypted: there is no one at start-up to type its password
        raise ValueError(f"{key}: give the private key unencrypted (protect the file instead)") from None
    algorithm = _algorithm(private)
    if algorithm is None:
        raise ValueError(f"{key}: give an ECDSA key on P-256, P-384 or P-521, or an Ed25519 key")
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if private.public_key().public_bytes(*spki) != leaf.public_key().public_bytes(*spki):
        raise ValueError(f"{key} is not the key of the first certificate in {chain}")
    return SigningCertificate(chain_pem, key_pem, algorithm)


def _profile_problem(leaf: x509.Certificate) -> str | None:
    """What C2PA's certificate profile refuses in a signing certificate, or None."""
    extensions = leaf.extensions
    try:
        if extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return "it is a CA certificate; sign with an end-entity certificate it issued"
    except x509.ExtensionNotFound:
        pass
    try:
        if not extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
            return "its key usage lacks digitalSignature"
    except x509.ExtensionNotFound:
        return "it has no key usage extension (digitalSignature is needed)"
    try:
        usages = set(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return "it has no extended key usage (emailProtection or documentSigning is needed)"
    if not usages & {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING}:
        return "its extended key usage has neither emailProtection nor documentSigning"
    try:
        extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return "it has no authority key identifier"
    return None


def _algorithm(key: object) -> str | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(key.curve.name)
    return None


def development_certificate(data_dir: Path) -> SigningCertificate:
    """The development chain under data_dir/c2pa, made on first use. Made in a temporary folder
    and renamed into place, so two processes starting at once agree on one chain."""
    folder = data_dir / DEV_DIR
    if not (folder / "signer.key").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=data_dir))
        _write_chain(staging)
        try:
            os.rename(staging, folder)
        except OSError:  # another process made it first: use theirs
            for path in staging.iterdir():
                path.unlink()
            staging.rmdir()
    return SigningCertificate((folder / "signer_chain.pem").read_bytes(), (folder / "signer.key").read_bytes(),
                              "es256", root=folder / "root_ca.pem")


def _write_chain(folder: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("openreel development root CA (not trusted)")
    root_id = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (_builder(root_name, root_name, root_key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(sign_certificates=True), critical=True)
            .add_extension(root_id, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_id), critical=False)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (_builder(_name("openreel development signer (not trusted)"), root_name, key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign_certificates=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_id), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "root_ca.pem").write_bytes(root.public_bytes(pem))
    (folder / "signer_chain.pem").write_bytes(leaf.public_bytes(pem) + root.public_bytes(pem))
    key_file = folder / "signer.key"
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_file.chmod(0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "openreel (development)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey,
             now: dt.datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + DEV_VALIDITY))


def _key_usage(sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not sign_certificates, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=sign_certificates,
                         crl_sign=sign_certificates, encipher_only=False, decipher_only=False)
