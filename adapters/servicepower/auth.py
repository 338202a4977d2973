"""ServiceBroker authentication: a System Access Token, or a JWT by client credentials.

A tenant uses one or the other. Both are sent as ``Authorization: Bearer {token}``.

* A System Access Token never expires; ServiceBroker offers no harmless call to verify one (its
  OAuth2 userInfo API needs a JWT), so a bad one first shows as a 401 on the cancel. ``check``
  still reaches the server: a GET of the base URL, without the token, changes nothing and any
  answer proves the URL and the network path.
* A JWT comes from ``POST {base}/up/v5/oauth2/accessToken`` with ``{"ClientId", "ClientSecret",
  "GrantType": "ClientCredentials", "ExpiresInSeconds"}``; it is cached, renewed `RENEW_MARGIN`
  seconds before it expires, and renewed once more when the vendor answers 401.
"""

from __future__ import annotations

import logging
import sys
from typing import Final, Protocol

import httpx
from pydantic import SecretStr

from adapters.clock import Clock
from adapters.errors import VendorAuthError, VendorError
from adapters.http import json_body, retry_safely, send
from adapters.servicepower.errors import VENDOR, http_error, standard_body
from adapters.tokens import Token, TokenCache, header_safe

TOKEN_PATH: Final = "/up/v5/oauth2/accessToken"  # noqa: S105 (a path, not a secret)
#: The JWT lifetime opsgate asks for, in seconds.
TOKEN_LIFETIME: Final = 3600
#: Renew a JWT this many seconds before it expires, so no call carries one that dies in flight.
RENEW_MARGIN: Final = 60.0

_log = logging.getLogger(__name__)


class ServicePowerAuth(Protocol):
    """Where the adapter gets its bearer token from."""

    #: True when a rejected token can be replaced by a new one (JWT).
    renewable: bool

    def bearer(self) -> str:
        """A token to send. Never log it."""
        ...

    def reject(self, token: str) -> None:
        """The vendor answered 401 to `token`: forget it, so `bearer` fetches a new one."""
        ...

    def preview_fact(self) -> str:
        """What the preview can say about the credentials (a JWT is fetched to prove them)."""
        ...

    def check(self) -> str:
        """Verify the credentials as far as the vendor allows; one line on what worked."""
        ...

    def unauthorized_hint(self) -> str:
        """The next step to show when the vendor answers 401."""
        ...


class SystemTokenAuth:
    """A fixed, non-expiring System Access Token (``OPSGATE_SERVICEPOWER__TOKEN``)."""

    renewable = False

    def __init__(self, token: SecretStr, *, client: httpx.Client, base_url: str) -> None:
        self._token = token
        self._client = client
        self._base = base_url

    def bearer(self) -> str:
        return self._token.get_secret_value()

    def reject(self, token: str) -> None:
        """Nothing to renew: a system token is what it is."""

    def preview_fact(self) -> str:
        return "system access token (cannot be verified before the cancel)"

    def check(self) -> str:
        """Reach the server (SPEC: check reaches each vendor): GET the base URL, which changes
        nothing; any HTTP answer will do. The token is not sent: nothing could verify it.

        Raises:
            VendorUnreachable: No answer (the URL or the network path is wrong).
        """
        request = self._client.build_request("GET", self._base + "/")
        status = retry_safely(lambda: send(self._client, request, vendor=VENDOR, mutating=False))
        return (
            f"reached (its base URL answered HTTP {status.status_code}); system access token "
            "configured: ServiceBroker offers no harmless call to verify it, so the first "
            "cancel will show whether it is accepted"
        )

    def unauthorized_hint(self) -> str:
        return (
            "Check `OPSGATE_SERVICEPOWER__TOKEN`: the system access token may be wrong, revoked, "
            "or its tenant inactive. Nothing was changed."
        )


class JwtAuth:
    """JWTs by client credentials (``OPSGATE_SERVICEPOWER__CLIENT_ID`` / ``__CLIENT_SECRET``)."""

    renewable = True

    def __init__(
        self,
        *,
        client: httpx.Client,
        base_url: str,
        client_id: str,
        client_secret: SecretStr,
        clock: Clock,
    ) -> None:
        self._client = client
        self._url = base_url + TOKEN_PATH
        self._client_id = client_id
        self._secret = client_secret
        self._clock = clock
        self.cache = TokenCache(self._fetch_for_cache, clock=clock, margin=RENEW_MARGIN)

    def bearer(self) -> str:
        return self.cache.get()

    def reject(self, token: str) -> None:
        self.cache.invalidate(token)

    def preview_fact(self) -> str:
        self.bearer()
        return f"JWT for client {self._client_id} (issued: the credentials work)"

    def check(self) -> str:
        lifetime = self.fetch_with_retry()[1]
        return f"JWT issued for client {self._client_id}, valid {lifetime} s"

    def unauthorized_hint(self) -> str:
        return (
            "ServicePower refused a freshly issued JWT: check that the client "
            f"{self._client_id} may use Scheduling on this tenant. Nothing was changed."
        )

    def fetch_with_retry(self) -> tuple[Token, int]:
        """Ask for a new JWT, retrying transient failures; returns it and its lifetime (s)."""
        return retry_safely(self._fetch)

    def _fetch_for_cache(self, _current: Token | None) -> Token:
        return self.fetch_with_retry()[0]

    def _fetch(self) -> tuple[Token, int]:
        body = {
            "ClientId": self._client_id,
            "ClientSecret": self._secret.get_secret_value(),
            "GrantType": "ClientCredentials",
            "ExpiresInSeconds": TOKEN_LIFETIME,
        }
        request = self._client.build_request(
            "POST", self._url, json=body, headers={"Accept": "application/json"}
        )
        response = send(self._client, request, vendor=VENDOR, mutating=False)
        if response.status_code >= 400:
            # The request carried the secret: an answer echoing it must not pass it on.
            raise self._refused(response).hiding(self._secret.get_secret_value())
        return self._token_from(json_body(response, vendor=VENDOR, mutating=False))

    def _token_from(self, body: dict[str, object]) -> tuple[Token, int]:
        value = body.get("access_token")
        token = header_safe(value)
        if token is None:
            raise VendorError(
                "ServicePower's token answer has no access_token a request can carry",
                vendor=VENDOR,
                code="no_access_token",
                next_step="Contact ServicePower support.",
            )
        expires_in = body.get("expires_in")
        # Trust the vendor's lifetime over ours: a tenant may cap it.
        lifetime = TOKEN_LIFETIME
        if isinstance(expires_in, int) and not isinstance(expires_in, bool):
            # within what a float holds: the clock adds it to a float
            lifetime = expires_in if 0 < expires_in <= sys.float_info.max else lifetime
        _log.debug("ServicePower issued a JWT valid for %d s", lifetime)
        return Token(value=token, expires_at=self._clock.monotonic() + lifetime), lifetime

    def _refused(self, response: httpx.Response) -> VendorError:
        if response.status_code in (400, 401):
            code, detail = standard_body(response)
            return VendorAuthError(
                f"ServicePower refused the client credentials (HTTP {response.status_code}): "
                f"{detail}",
                vendor=VENDOR,
                code=code,
                http_status=response.status_code,
                next_step="Check `OPSGATE_SERVICEPOWER__CLIENT_ID` and "
                "`OPSGATE_SERVICEPOWER__CLIENT_SECRET`, and that the tenant is configured for "
                "JWT authentication.",
            )
        error = http_error(response, what="the token request", auth_hint="")
        # Asking for a token changes nothing, so a vendor failure is worth another try.
        error.retryable = response.status_code >= 500 or error.retryable
        return error
