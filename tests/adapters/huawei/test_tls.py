"""Huawei's TLS files are checked when its settings are built: each bad one is refused naming
its field and what is wrong with it, before any adapter tries to load it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from certs import CertFiles, encrypted_key, write_cert_files
from pydantic import ValidationError

from adapters.huawei.settings import HuaweiSettings

#: What a case changes in a good set of files: field -> path, given the folder and the files.
Change = Callable[[Path, CertFiles], dict[str, Path]]


@pytest.fixture
def files(tmp_path: Path) -> CertFiles:
    return write_cert_files(tmp_path)


def garbage(folder: Path) -> Path:
    path = folder / "garbage.pem"
    path.write_text("not a certificate\n")
    return path


def refusal(**paths: Path) -> tuple[str, str]:
    """The field the settings refuse, and why."""
    with pytest.raises(ValidationError) as caught:
        HuaweiSettings(**paths)  # type: ignore[arg-type]
    [error] = caught.value.errors()
    assert error["type"] == "tls_file"
    return str((error.get("ctx") or {})["field"]), error["msg"]


def test_a_matching_pair_and_a_ca_bundle_are_accepted(files: CertFiles) -> None:
    settings = HuaweiSettings(client_cert=files.cert, client_key=files.key, ca_bundle=files.cert)
    assert (settings.client_cert, settings.client_key) == (files.cert, files.key)


def test_a_file_holding_both_certificate_and_key_is_accepted(files: CertFiles) -> None:
    both = files.cert.parent / "both.pem"
    both.write_bytes(files.key.read_bytes() + files.cert.read_bytes())
    HuaweiSettings(client_cert=both, client_key=both)


@pytest.mark.parametrize(
    ("change", "field", "why"),
    [
        (lambda d, f: {"client_cert": d / "none.pem"}, "client_cert", "no such file: {d}/none.pem"),
        (lambda d, f: {"client_key": d / "none.key"}, "client_key", "no such file: {d}/none.key"),
        (lambda d, f: {"ca_bundle": d / "none.pem"}, "ca_bundle", "no such file: {d}/none.pem"),
        (lambda d, f: {"ca_bundle": d}, "ca_bundle", "cannot read {d}: Is a directory"),
        (
            lambda d, f: {"client_cert": garbage(d)},
            "client_cert",
            "{d}/garbage.pem is not a PEM certificate",
        ),
        (
            lambda d, f: {"client_cert": f.key},
            "client_cert",
            "{d}/key.pem is not a PEM certificate",
        ),
        (
            lambda d, f: {"ca_bundle": garbage(d)},
            "ca_bundle",
            "{d}/garbage.pem is not a PEM certificate",
        ),
        (
            lambda d, f: {"client_key": garbage(d)},
            "client_key",
            "{d}/garbage.pem is not a PEM private key",
        ),
        (
            lambda d, f: {"client_key": f.other_key},
            "client_key",
            "{d}/other.pem does not match the client certificate",
        ),
        (
            lambda d, f: {"client_key": encrypted_key(d)},
            "client_key",
            "{d}/encrypted.pem is encrypted; opsgate needs the key unencrypted",
        ),
    ],
    ids=[
        "missing cert",
        "missing key",
        "missing ca",
        "ca a folder",
        "cert garbage",
        "cert a key",
        "ca garbage",
        "key garbage",
        "key of another cert",
        "key encrypted",
    ],
)
def test_a_bad_tls_file_is_refused_naming_its_field(
    files: CertFiles, change: Change, field: str, why: str
) -> None:
    folder = files.cert.parent
    good = {"client_cert": files.cert, "client_key": files.key, "ca_bundle": files.cert}
    assert refusal(**(good | change(folder, files))) == (field, why.format(d=folder))
