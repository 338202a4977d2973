"""ServicePower settings: ``OPSGATE_SERVICEPOWER__BASE_URL``, and ``__TOKEN`` or
``__CLIENT_ID`` + ``__CLIENT_SECRET``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from adapters.settings import VendorSettings, is_set, missing_credential


class ServicePowerSettings(VendorSettings):
    """ServiceBroker: a system access token, or a JWT by client credentials.

    A base URL needs a token or a client id (and its secret), and either needs a base URL.

    Attributes:
        base_url: The tenant's ServiceBroker.
        token: A system access token (wins over client credentials when both are set).
        client_id: The client id for JWTs.
        client_secret: Its secret (never logged).
    """

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = (("client_id", "client_secret"),)
    url_fields: ClassVar[tuple[str, ...]] = ("base_url",)

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
        """The base rule, then: a base URL needs a credential and a credential a base URL."""
        super().check_credentials()
        has_auth = is_set(self.token) or is_set(self.client_id)
        if is_set(self.base_url) and not has_auth:
            raise missing_credential("token", given="base_url")
        if has_auth and not is_set(self.base_url):
            given = "token" if is_set(self.token) else "client_id"
            raise missing_credential("base_url", given=given)
