"""Huawei OceanConnect settings: ``OPSGATE_HUAWEI__BASE_URL``, ``__APP_ID``, ``__SECRET``,
``__CLIENT_CERT``, ``__CLIENT_KEY``, ``__CA_BUNDLE``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, ClassVar, Final

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_core import PydanticCustomError

from adapters.cleartext import plain_http
from adapters.huawei.tls import check_tls_files
from adapters.settings import VendorSettings, bounded_whole_number

#: Why a plain-http platform is refused when the TLS files are set: the platform serves HTTPS
#: only ("Transport Protocol: HTTPS" in its API pages; mutual TLS on port 8743), http would leave
#: the certificate unused, and the login sends the secret itself.
HTTPS_FOR_TLS: Final = (
    "must be an https:// URL when the TLS files are set: plain http would not use the client "
    "certificate or CA bundle, and the login would send the secret in clear text"
)


class HuaweiSettings(VendorSettings):
    """The OceanConnect northbound application API (default port 8743, mutual TLS).

    The TLS files are read when the settings are built: each must exist and be PEM, and the key
    must be the certificate's own and unencrypted (`adapters.huawei.tls`).

    Attributes:
        base_url: The platform, e.g. ``https://oc.example.com:8743`` (8743 when no port).
        app_id: The application's id.
        secret: The application's secret (never logged).
        client_cert: The client certificate for mutual TLS (with `client_key`).
        client_key: Its private key.
        ca_bundle: The platform's CA certificates.
        calls_per_minute: The application's rate limit (documented default: 100 per 60 s);
            1 to 10000.
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("app_id", "secret", "base_url"),
        ("client_cert", "client_key"),
    )
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)
    # The platform serves HTTPS only: plain http elsewhere than here is warned about.
    credential_urls: ClassVar[Mapping[str, str]] = {
        "base_url": "the login sends the application's secret (and every call its token)"
    }

    base_url: str | None = None
    app_id: str | None = None
    secret: SecretStr | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    ca_bundle: Path | None = None
    calls_per_minute: Annotated[int, BeforeValidator(bounded_whole_number)] = Field(
        default=100, ge=1, le=10_000
    )

    def check_credentials(self) -> None:
        """The base rule, then: the TLS files can be loaded as they are, and a URL they are set
        for is https (`HTTPS_FOR_TLS`)."""
        super().check_credentials()
        check_tls_files(
            ca_bundle=self.ca_bundle, client_cert=self.client_cert, client_key=self.client_key
        )
        tls_files = (self.client_cert, self.client_key, self.ca_bundle)
        if plain_http(self.base_url) and any(path is not None for path in tls_files):
            raise PydanticCustomError("http_url", HTTPS_FOR_TLS, {"field": "base_url"})
