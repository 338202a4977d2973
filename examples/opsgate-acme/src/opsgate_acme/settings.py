"""Acme settings: ``OPSGATE_ACME__BASE_URL`` and ``OPSGATE_ACME__TOKEN`` (or ``[acme]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from adapters.settings import VendorSettings
from pydantic import SecretStr


class AcmeSettings(VendorSettings):
    """The Acme API and its bearer token.

    Attributes:
        base_url: The API, e.g. ``https://api.acme.example``.
        token: An API token with the ``widgets:write`` scope (never logged).
    """

    # Set both or neither: half a configuration stops start-up naming the missing key.
    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("base_url", "token"),)
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)
    # Sent as it is in the Authorization header: printable ASCII without spaces, or start-up
    # stops naming OPSGATE_ACME__TOKEN (never a request that fails to encode later).
    header_secrets: ClassVar[tuple[str, ...]] = ("token",)
    # Every call carries the token: plain http to another machine is warned about at start-up
    # (opsgate does it before it calls `connect`) and in `opsgate check`.
    credential_urls: ClassVar[Mapping[str, str]] = {"base_url": "every call sends the token"}

    base_url: str | None = None
    token: SecretStr | None = None
