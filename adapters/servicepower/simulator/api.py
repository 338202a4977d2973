"""A stateful ServicePower ServiceBroker: the OAuth2 token API and Scheduling's CancelJob.

What it does as ServiceBroker documents it:

* ``POST /up/v5/oauth2/accessToken`` checks ClientId, ClientSecret, GrantType
  (``"ClientCredentials"``) and ExpiresInSeconds, and issues a JWT that expires on the
  simulator's clock (400 for a malformed request, 401 for wrong credentials).
* Every other call needs ``Authorization: Bearer {token}``, a live JWT or the optional system
  access token; anything else is HTTP 401, with a ``{Code, Message}`` body, or, with
  `bare_401`, none (a 401 may have any body or none: VENDORS.md §7).
* ``cancelReasonId`` arrives as a string of digits and is mapped to an integer, as Scheduling
  does; anything else is HTTP 400. No request id is sent (none is documented).
* ``PUT /up/v5/rest/scheduling/CancelJob`` removes a job and records the CancelReason it got.
  An unknown, empty or over-long id, or a job already cancelled, is HTTP 200 with
  ``"Success": false`` and return code 1 (SP_JOBID_INVALID). ``Code`` is a string on success
  (``"0"``) and a number on error (``9``), as in the vendor's examples. A body that is not a
  CancelJob object is HTTP 400. Before Scheduling 11.3 (``reasons_supported=False``) the reason
  is dropped silently.
* Faults: ``server_error`` is HTTP 500 with ``{Code, Message}``; ``throttled`` is HTTP 429 with
  ``Retry-After`` (ServicePower publishes no rate limit, so there is no rate window by default).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.simulator import Simulator, SlidingWindow

TOKEN_PATH: Final = "/up/v5/oauth2/accessToken"  # noqa: S105 (a path, not a secret)
CANCEL_PATH: Final = "/up/v5/rest/scheduling/CancelJob"
#: The sandbox's ServiceBroker address and client credentials (the adapter's settings there).
SANDBOX_BASE_URL: Final = "https://servicebroker.sandbox.opsgate.invalid"
SANDBOX_CLIENT_ID: Final = "opsgate-sandbox"
SANDBOX_CLIENT_SECRET: Final = "sandbox-client-secret"  # noqa: S105 (the simulator's own, public)
#: The jobs `adapters.servicepower.plugin.sandboxed` seeds.
SANDBOX_JOBS: Final = ("Dep-1306", "JOB-1001", "JOB-1002", "JOB-1003", "JOB-2001")
_MAX_JOB_ID = 50
_MAX_REASON = 500


@dataclass(frozen=True)
class SimJob:
    """A job in the simulated ServiceOptimizer."""

    job_id: str
    job_type: str = "REPAIR"
    emp_id: str | None = None


@dataclass(frozen=True)
class CancelledJob:
    """A job the simulator cancelled, with the CancelReason it received (None: not sent)."""

    job: SimJob
    reason_id: int | None
    reason_desc: str | None
    at: float


def _json(status: int, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _standard(status: int, message: str) -> httpx.Response:
    return _json(status, {"Code": str(status), "Message": message})


def _refusal(code: str) -> httpx.Response:
    return _json(
        200,
        {"Success": False, "Code": 9, "Payload": {"returnCode": {"type": "Error", "code": code}}},
    )


_OK = {
    "Success": True,
    "Code": "0",
    "Message": "",
    "Payload": {"result": {"type": "OK", "code": "0"}},
}


class ServicePowerSimulator(Simulator):
    """ServiceBroker with Scheduling behind it, as an httpx transport (`transport()`).

    Args:
        clock: Time for token expiry.
        client_id: The tenant's JWT client id.
        client_secret: The tenant's JWT client secret.
        system_token: A system access token to accept as well, if any.
        reasons_supported: False to behave like Scheduling before 11.3 (reasons dropped).
        rate_window: A vendor-side rate limit; None, as ServicePower publishes none.
    """

    vendor = "servicepower"

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        system_token: str | None = None,
        reasons_supported: bool = True,
        rate_window: SlidingWindow | None = None,
    ) -> None:
        super().__init__(clock=clock, rate_window=rate_window)
        self.client_id = client_id
        self._client_secret = client_secret
        self._system_token = system_token
        self.reasons_supported = reasons_supported
        self.bare_401 = False
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}
        self._jobs: dict[str, SimJob] = {}
        self._cancelled: list[CancelledJob] = []
        self._refuse_next: list[str] = []

    # -- helpers for tests and the sandbox ------------------------------------------------------
    def add_job(
        self, job_id: str, *, job_type: str = "REPAIR", emp_id: str | None = None
    ) -> SimJob:
        """Put a job into the schedule."""
        job = SimJob(job_id, job_type, emp_id)
        with self._lock:
            self._jobs[job_id] = job
        return job

    @property
    def jobs(self) -> dict[str, SimJob]:
        """The jobs still scheduled, by id (a copy)."""
        with self._lock:
            return dict(self._jobs)

    @property
    def cancelled(self) -> list[CancelledJob]:
        """The jobs cancelled so far, in order, with the reasons received (a copy)."""
        with self._lock:
            return list(self._cancelled)

    def expire_tokens(self) -> None:
        """Make every JWT issued so far invalid (as if revoked or expired early)."""
        with self._lock:
            self._tokens.clear()

    def refuse_next(self, code: str) -> None:
        """Make the next CancelJob answer ``"Success": false`` with this Scheduling code."""
        with self._lock:
            self._refuse_next.append(code)

    # -- the vendor -----------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == TOKEN_PATH and request.method == "POST":
            return self._issue_token(request)
        if not self._authorized(request):
            return httpx.Response(401) if self.bare_401 else _standard(401, "Not authorized")
        if path == CANCEL_PATH and request.method == "PUT":
            return self._cancel(request)
        return _standard(404, f"No resource at {request.method} {path}")

    def throttled(self, request: httpx.Request) -> httpx.Response:
        return _json(429, {"Code": "429", "Message": "Too many requests"}, **{"Retry-After": "1"})

    def server_error(self, request: httpx.Request) -> httpx.Response:
        return _standard(500, "An unexpected error occurred")

    def _issue_token(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        lifetime = (body or {}).get("ExpiresInSeconds")
        if (
            body is None
            or body.get("GrantType") != "ClientCredentials"
            or type(lifetime) is not int
            or lifetime <= 0
        ):
            return _standard(400, "Invalid OAuth2 token request")
        if (
            body.get("ClientId") != self.client_id
            or body.get("ClientSecret") != self._client_secret
        ):
            return _standard(401, "Invalid client credentials")
        token = f"sim-jwt.{secrets.token_urlsafe(16)}"
        with self._lock:
            self._tokens[token] = self.clock.monotonic() + lifetime
            self.tokens_issued += 1
        return _json(200, {"access_token": token, "token_type": "bearer", "expires_in": lifetime})

    def _authorized(self, request: httpx.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        if self._system_token is not None and token == self._system_token:
            return True
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and self.clock.monotonic() < expires

    def _cancel(self, request: httpx.Request) -> httpx.Response:
        body = _body(request)
        if body is None or not request.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            return _standard(400, "The request body must be a JSON CancelJob object")
        job_id = body.get("Id")
        reason = _cancel_reason(body.get("CancelReason"))
        if not isinstance(job_id, str) or reason is None:
            return _standard(400, "Invalid CancelJob object")
        with self._lock:
            if self._refuse_next:
                return _refusal(self._refuse_next.pop(0))
            job = self._jobs.get(job_id) if 0 < len(job_id) <= _MAX_JOB_ID else None
            if job is None:
                return _refusal("1")
            del self._jobs[job_id]
            kept = reason if self.reasons_supported else (None, None)
            self._cancelled.append(CancelledJob(job, *kept, at=self.clock.now()))
        return _json(200, _OK)


def _body(request: httpx.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _cancel_reason(value: object) -> tuple[int | None, str | None] | None:
    """``(cancelReasonId, cancelReasonDesc)`` from a CancelReason; None when it is malformed."""
    if value is None:
        return (None, None)
    if not isinstance(value, dict):
        return None
    raw_id, desc = value.get("cancelReasonId"), value.get("cancelReasonDesc")
    # Sent as a string and mapped to an integer by Scheduling (VENDORS.md §7); the vendor's own
    # example sends the integer itself, which Scheduling takes as well.
    whole = isinstance(raw_id, int) and not isinstance(raw_id, bool)
    if raw_id is not None and not (whole or (isinstance(raw_id, str) and raw_id.isdigit())):
        return None
    reason_id = None if raw_id is None else int(raw_id)
    if desc is not None and (not isinstance(desc, str) or len(desc) > _MAX_REASON):
        return None
    return (reason_id, desc)
