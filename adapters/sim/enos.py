"""A stateful simulator of the EnOS API gateway: the APIM token service and OTA jobs.

It checks what the gateway checks: token requests (appKey, encryption, one use per
timestamp/encryption pair) and every business call's ``apim-*`` signature, computed here
independently of `adapters.enos` so a signing bug in the adapter cannot hide.

Not published by EnOS, so chosen here (**unconfirmed**): how the gateway refuses a business call
(HTTP 401 with a token-service style body ``{"status": <code>, "msg", "business"}``: 1202 missing
header, 1004 unknown token or bad timestamp, 1203 expired token, 1003 bad signature, 1001 replayed
signature), the throttling answer (HTTP 429, ``status`` 429), and that a refreshed token leaves the
old one valid until it expires. EnOS publishes no rate limit, so `rate_window` is None by default.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.sim.base import Simulator, SlidingWindow

AUTH_GET: Final = "/apim-token-service/v2.0/token/get"
AUTH_REFRESH: Final = "/apim-token-service/v2.0/token/refresh"
OTA_JOBS: Final = "/connect-service/v2.1/ota-jobs"

_TOKEN_MESSAGES: Final = {
    1001: "Repeated requests with duplicated encryption.",
    1002: "The appKey does not exist.",
    1003: "The encryption is not valid.",
    1004: "Invalid parameter.",
    1202: "The parameter is empty.",
    1203: "The access token has expired.",
    1204: "Failed to refresh the access token.",
}
_ACTION_METHODS: Final = {"get": "GET", "delete": "POST", "stop": "POST"}


@dataclass
class OtaJob:
    """One OTA job as EnOS stores it (a subset of the documented JobInfo struct)."""

    org_id: str
    job_id: str
    name: str = "Firmware upgrade"
    status: str = "stopped"  # started | stopped
    firmware_id: str = "fw-0001"
    firmware_version: str = "1.0.0"
    firmware_name: str = "Firmware"
    type: str = "upgrade"  # upgrade | verify
    product_key: str = "demoProduct"
    create_time: int = 1_767_225_600_000  # ms since the epoch

    def to_json(self) -> dict[str, Any]:
        """The job as the Get OTA Job ``data`` (names are StringI18n objects)."""
        return {
            "orgId": self.org_id,
            "jobId": self.job_id,
            "name": {"defaultValue": self.name, "i18nValue": {"en_US": self.name}},
            "productKey": self.product_key,
            "firmwareId": self.firmware_id,
            "firmwareVersion": self.firmware_version,
            "firmwareName": {"defaultValue": self.firmware_name, "i18nValue": {}},
            "type": self.type,
            "status": self.status,
            "createTime": self.create_time,
        }


@dataclass
class _Issued:
    app_key: str
    expires_at: float


class EnosSimulator(Simulator):
    """The EnOS gateway as an httpx transport.

    Attributes:
        token_lifetime: Seconds an issued token lives (EnOS documents 7200).
        tokens_issued: How many tokens the token service issued (get and refresh).
        last_request_id: The ``requestId`` of the latest business answer.
    """

    vendor = "enos"

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        rate_window: SlidingWindow | None = None,
        token_lifetime: int = 7200,
        seed: int = 0,
    ) -> None:
        super().__init__(clock=clock, rate_window=rate_window)
        self.token_lifetime = token_lifetime
        self.tokens_issued = 0
        self.last_request_id = ""
        self._apps: dict[str, str] = {}
        self._tokens: dict[str, _Issued] = {}
        self._used: set[tuple[str, str]] = set()
        self._jobs: dict[tuple[str, str], OtaJob] = {}
        self._random = random.Random(seed)  # deterministic ids for reproducible tests

    # -- test helpers ---------------------------------------------------------------------------
    def add_app(self, app_key: str, app_secret: str) -> None:
        """Register an application's credentials."""
        self._apps[app_key] = app_secret

    def add_job(self, org_id: str, job_id: str, **fields: Any) -> OtaJob:
        """Create (or replace) a job; `fields` are `OtaJob` attributes (``status="started"``)."""
        job = OtaJob(org_id=org_id, job_id=job_id, **fields)
        with self._lock:
            self._jobs[(org_id, job_id)] = job
        return job

    def job(self, org_id: str, job_id: str) -> OtaJob | None:
        """The job as stored now, or None once deleted."""
        with self._lock:
            return self._jobs.get((org_id, job_id))

    def expire_tokens(self) -> None:
        """Make every issued token expire now."""
        with self._lock:
            for issued in self._tokens.values():
                issued.expires_at = self.clock.monotonic()

    # -- Simulator ------------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        """Answer as the gateway: token service, signature check, then the OTA job API."""
        path = request.url.path
        with self._lock:
            if path in (AUTH_GET, AUTH_REFRESH) and request.method == "POST":
                return self._token(request, refresh=path == AUTH_REFRESH)
            if path == OTA_JOBS:
                return self._gateway_check(request) or self._ota(request)
        return httpx.Response(404, json={"status": 404, "msg": "Not Found", "business": "apim"})

    def throttled(self, request: httpx.Request) -> httpx.Response:
        """Unconfirmed: EnOS publishes no throttling answer; a 429 in the gateway's style."""
        return _status(429, 429, "Too many requests.")

    def server_error(self, request: httpx.Request) -> httpx.Response:
        """Token service: status 1005. OTA service: code 24500 (HTTP 200, as documented)."""
        if request.url.path.startswith("/apim-token-service/"):
            return _status(200, 1005, "Internal service exception.")
        return self._business(24500, "OTA service internal error")

    # -- token service --------------------------------------------------------------------------
    def _token(self, request: httpx.Request, *, refresh: bool) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _token_error(1004)
        fields = ["appKey", "timestamp", "encryption"] + (["accessToken"] if refresh else [])
        if any(body.get(name) in (None, "") for name in fields):
            return _token_error(1202)
        refusal = self._check_encryption(body)
        if refusal is not None:
            return _token_error(refusal)
        if refresh and not self._refreshable(str(body["accessToken"]), str(body["appKey"])):
            return _token_error(1204)
        return self._issue(str(body["appKey"]))

    def _check_encryption(self, body: dict[str, Any]) -> int | None:
        app_key, timestamp, encryption = body["appKey"], str(body["timestamp"]), body["encryption"]
        if not timestamp.isdigit() or not isinstance(encryption, str):
            return 1004
        secret = self._apps.get(str(app_key))
        if secret is None:
            return 1002
        expected = hashlib.sha256(f"{app_key}{timestamp}{secret}".encode()).hexdigest()
        if encryption != expected:
            return 1003
        if (timestamp, encryption) in self._used:
            return 1001
        self._used.add((timestamp, encryption))
        return None

    def _refreshable(self, token: str, app_key: str) -> bool:
        issued = self._tokens.get(token)
        return issued is not None and issued.app_key == app_key and not self._expired(issued)

    def _issue(self, app_key: str) -> httpx.Response:
        token = f"APP_{uuid.UUID(int=self._random.getrandbits(128)).hex}"
        self._tokens[token] = _Issued(app_key, self.clock.monotonic() + self.token_lifetime)
        self.tokens_issued += 1
        data = {"accessToken": token, "expire": self.token_lifetime}
        return httpx.Response(
            200,
            json={"status": 0, "msg": "SUCCESS", "business": "apim-token-service", "data": data},
        )

    def _expired(self, issued: _Issued) -> bool:
        return self.clock.monotonic() >= issued.expires_at

    # -- the gateway's check of a business call -------------------------------------------------
    def _gateway_check(self, request: httpx.Request) -> httpx.Response | None:
        token = request.headers.get("apim-accesstoken", "")
        timestamp = request.headers.get("apim-timestamp", "")
        signature = request.headers.get("apim-signature", "")
        if not (token and timestamp and signature):
            return _refusal(1202)
        issued = self._tokens.get(token)
        if issued is None or not timestamp.isdigit():
            return _refusal(1004)
        if self._expired(issued):
            return _refusal(1203)
        if signature != expected_signature(request, token, timestamp, self._apps[issued.app_key]):
            return _refusal(1003)
        if (timestamp, signature) in self._used:
            return _refusal(1001)
        self._used.add((timestamp, signature))
        return None

    # -- the OTA job API ------------------------------------------------------------------------
    def _ota(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        action = params.get("action", "")
        if _ACTION_METHODS.get(action) != request.method:
            return self._business(400, f"Unsupported action {action!r} for {request.method}")
        org_id, job_id = params.get("orgId", ""), params.get("jobId", "")
        if not org_id or not job_id:
            return self._business(400, "orgId and jobId are required")
        job = self._jobs.get((org_id, job_id))
        if job is None:
            return self._business(24404, "Job not found")
        if action == "get":
            return self._business(0, "OK", job.to_json())
        if action == "stop":
            job.status = "stopped"
            return self._business(0, "OK")
        if job.status == "started":
            return self._business(24618, "Not allowed to delete running job")
        del self._jobs[(org_id, job_id)]
        return self._business(0, "OK")

    def _business(self, code: int, msg: str, data: Any = None) -> httpx.Response:
        self.last_request_id = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        body = {"code": code, "msg": msg, "requestId": self.last_request_id, "data": data}
        return httpx.Response(200, json=body)


def expected_signature(request: httpx.Request, token: str, timestamp: str, secret: str) -> str:
    """The ``apim-signature`` the gateway expects for `request`, from the EnOS documentation:
    sha256(token + sorted query ``name+value`` pairs + body bytes + timestamp + secret)."""
    pairs = sorted(request.url.params.multi_items())
    params_data = "".join(name + value for name, value in pairs).encode()
    signed = token.encode() + params_data + request.content + f"{timestamp}{secret}".encode()
    return hashlib.sha256(signed).hexdigest()


def _status(http_status: int, status: int, msg: str) -> httpx.Response:
    return httpx.Response(
        http_status, json={"status": status, "msg": msg, "business": "apim-token-service"}
    )


def _token_error(status: int) -> httpx.Response:
    return _status(200, status, _TOKEN_MESSAGES[status])


def _refusal(status: int) -> httpx.Response:
    return _status(401, status, _TOKEN_MESSAGES[status])


#: The sandbox's credentials and demo data (the console demo and the README use these ids).
SANDBOX_BASE_URL: Final = "https://apim-sandbox.enos.opsgate.invalid"
SANDBOX_APP_KEY: Final = "opsgate-sandbox-app"
SANDBOX_APP_SECRET: Final = "sandbox-secret-not-real"  # noqa: S105 -- accepted by the simulator only
SANDBOX_ORG_ID: Final = "o15724268424841"
SANDBOX_STOPPED_JOB_ID: Final = "otajob-7d2c1e"
SANDBOX_RUNNING_JOB_ID: Final = "otajob-9a41f0"


def demo_simulator(*, clock: Clock = SYSTEM_CLOCK) -> EnosSimulator:
    """A simulator seeded with the sandbox app, one org, a stopped job and a started job."""
    sim = EnosSimulator(clock=clock)
    sim.add_app(SANDBOX_APP_KEY, SANDBOX_APP_SECRET)
    sim.add_job(
        SANDBOX_ORG_ID,
        SANDBOX_STOPPED_JOB_ID,
        name="Inverter firmware 3.2.1 rollout",
        status="stopped",
        firmware_id="fw-inv-321",
        firmware_version="3.2.1",
        firmware_name="Inverter controller",
        product_key="invCtl01",
        create_time=1_764_547_200_000,
    )
    sim.add_job(
        SANDBOX_ORG_ID,
        SANDBOX_RUNNING_JOB_ID,
        name="Gateway firmware 5.0.0 rollout",
        status="started",
        firmware_id="fw-gw-500",
        firmware_version="5.0.0",
        firmware_name="Edge gateway",
        product_key="edgeGw02",
        create_time=1_766_966_400_000,
    )
    return sim
