"""ServicePower settings: ``OPSGATE_SERVICEPOWER__BASE_URL``, and ``__TOKEN`` or
``__CLIENT_ID`` + ``__CLIENT_SECRET``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import SecretStr
from pydantic_core import PydanticCustomError

from adapters.settings import VendorSettings, is_set, missing_credential


class ServicePowerSettings(VendorSettings):
    """ServiceBroker: a system access token, or a JWT by client credentials.

    A base URL needs a token or a client id (and its secret), and either needs a base URL. A
    tenant uses one or the other (VENDORS.md), so both at once are refused rather than one
    silently ignored.

    Attributes:
        base_url: The tenant's ServiceBroker.
        token: A system access token (never together with client credentials).
        client_id: The client id for JWTs.
        client_secret: Its secret (never logged).
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("client_id", "client_secret"),)
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)
    header_secrets: ClassVar[tuple[str, ...]] = ("token",)  # sent as a bearer token
    credential_urls: ClassVar[Mapping[str, str]] = {
        "base_url": "every call sends its bearer token (the system access token, or a JWT "
        "whose login sends the client secret)"
    }

    base_url: str | None = None
    token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    @property
    def configured(self) -> bool:
        """True with a base URL and either credential."""
        has_auth = is_set(self.token) or (is_set(self.client_id) and is_set(self.client_secret))
        return is_set(self.base_url) and has_auth

    def check_credentials(self) -> None:
        """The base rule, then: a base URL needs a credential and a credential a base URL, and
        a token excludes client credentials."""
        super().check_credentials()
        if is_set(self.token) and (is_set(self.client_id) or is_set(self.client_secret)):
            raise PydanticCustomError(
                "credentials_conflict",
                "cannot be used with servicepower.client_id and client_secret: set the system "
                "access token or the client credentials, not both",
                {"field": "token", "with": ["client_id", "client_secret"]},
            )
        has_auth = is_set(self.token) or is_set(self.client_id)
        if is_set(self.base_url) and not has_auth:
            raise missing_credential("token", given="base_url")
        if has_auth and not is_set(self.base_url):
            given = "token" if is_set(self.token) else "client_id"
            raise missing_credential("base_url", given=given)
