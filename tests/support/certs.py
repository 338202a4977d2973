"""Throwaway TLS files for the tests of Huawei's mutual TLS, made in-process (no openssl)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: The common name of the certificate `write_cert_files` makes.
COMMON_NAME = "opsgate-huawei-test"


class CertFiles(NamedTuple):
    """A self-signed CA certificate, its key, and an unrelated key (all PEM)."""

    cert: Path
    key: Path
    other_key: Path


def write_cert_files(folder: Path) -> CertFiles:
    """Write ``cert.pem``, ``key.pem`` and ``other.pem`` into `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = CertFiles(folder / "cert.pem", folder / "key.pem", folder / "other.pem")
    files.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(pem_key(key))
    files.other_key.write_bytes(pem_key(ec.generate_private_key(ec.SECP256R1())))
    return files


def pem_key(key: ec.EllipticCurvePrivateKey, *, passphrase: bytes | None = None) -> bytes:
    """`key` as PEM (PKCS#8), encrypted under `passphrase` when one is given."""
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def encrypted_key(folder: Path) -> Path:
    """A PEM key under a passphrase, written as ``encrypted.pem`` into `folder`."""
    path = folder / "encrypted.pem"
    path.write_bytes(pem_key(ec.generate_private_key(ec.SECP256R1()), passphrase=b"passphrase"))
    return path
