"""The files of Huawei's mutual TLS, checked when the settings are read.

`HuaweiSettings` runs `check_tls_files` whenever it is built, so a client certificate, key or CA
bundle that is missing, unreadable, not PEM or not a matching pair stops start-up in one line
naming its setting, instead of failing later where the adapter loads them
(`adapters.huawei.auth.tls_context`). Only the standard library's `ssl` reads the files, exactly
as that context will.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from pydantic_core import PydanticCustomError


class _Encrypted(Exception):
    """The key asked for a passphrase; opsgate has none to give."""


def check_tls_files(
    *, ca_bundle: Path | None, client_cert: Path | None, client_key: Path | None
) -> None:
    """Refuse a TLS file that `tls_context` could not load (each is optional here).

    Raises:
        PydanticCustomError: ``tls_file``, with ``ctx["field"]`` naming the setting at fault.
    """
    files = {"ca_bundle": ca_bundle, "client_cert": client_cert, "client_key": client_key}
    for field, path in files.items():
        if path is not None:
            _check_readable(field, path)
    if ca_bundle is not None:
        _check_certificate("ca_bundle", ca_bundle)
    if client_cert is not None:
        _check_certificate("client_cert", client_cert)
        if client_key is not None:
            _check_key(client_cert, client_key)


def _check_readable(field: str, path: Path) -> None:
    try:
        path.open("rb").close()
    except FileNotFoundError:
        raise _bad(field, "no such file: {path}", path) from None
    except OSError as exc:
        raise _bad(field, "cannot read {path}: {why}", path, why=exc.strerror or exc) from None


def _check_certificate(field: str, path: Path) -> None:
    """At least one PEM certificate in the file (a bundle may hold several)."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError:
        raise _bad(field, "{path} is not a PEM certificate", path) from None


def _check_key(cert: Path, key: Path) -> None:
    """The key is PEM, unencrypted, and the certificate's own."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_cert_chain(certfile=cert, keyfile=key, password=_no_passphrase)
    except _Encrypted:
        raise _bad(
            "client_key", "{path} is encrypted; opsgate needs the key unencrypted", key
        ) from None
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            raise _bad("client_key", "{path} does not match the client certificate", key) from None
        raise _bad("client_key", "{path} is not a PEM private key", key) from None


def _no_passphrase() -> str:
    raise _Encrypted


def _bad(field: str, message: str, path: Path, **more: Any) -> PydanticCustomError:
    return PydanticCustomError("tls_file", message, {"field": field, "path": str(path), **more})
