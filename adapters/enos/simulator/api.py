"""A stateful simulator of the EnOS API gateway: the APIM token service and OTA jobs.

The gateway's checks (token requests, every business call's ``apim-*`` signature) live in
`adapters.enos.simulator.apim`; this module routes, keeps the jobs, and answers as the OTA service.
Unconfirmed (not published by EnOS): the throttling answer (HTTP 429, ``status`` 429). EnOS
publishes no rate limit, so `rate_window` is None by default.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.enos.simulator.apim import ApimGateway, status_answer
from adapters.simulator import Simulator, SlidingWindow

AUTH_GET: Final = "/apim-token-service/v2.0/token/get"
AUTH_REFRESH: Final = "/apim-token-service/v2.0/token/refresh"
OTA_JOBS: Final = "/connect-service/v2.1/ota-jobs"

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


class EnosSimulator(Simulator):
    """The EnOS gateway as an httpx transport.

    Attributes:
        apim: The token service and signature checks (``apim.token_lifetime`` is settable).
        last_request_id: The ``requestId`` of the latest business answer.
    """

    vendor = "enos"

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        rate_window: SlidingWindow | None = None,
        token_lifetime: int = 7200,
        seed: int | None = None,
    ) -> None:
        super().__init__(clock=clock, rate_window=rate_window)
        self.last_request_id = ""
        # Ids and tokens of their own in every simulator, as a vendor's are: two console sessions
        # on one audit log never record the same vendor request id. A `seed` repeats them.
        self._random = random.Random(seed)
        self.apim = ApimGateway(clock=clock, rng=self._random, token_lifetime=token_lifetime)
        self._jobs: dict[tuple[str, str], OtaJob] = {}

    # -- test helpers ---------------------------------------------------------------------------
    def add_app(self, app_key: str, app_secret: str) -> None:
        """Register an application's credentials."""
        with self._lock:
            self.apim.add_app(app_key, app_secret)

    def add_job(self, org_id: str, job_id: str, **fields: Any) -> OtaJob:
        """Create (or replace) a job; `fields` are `OtaJob` attributes (``status="started"``)."""
        job = OtaJob(org_id=org_id, job_id=job_id, **fields)
        with self._lock:
            self._jobs[(org_id, job_id)] = job
        return job

    def remove_job(self, org_id: str, job_id: str) -> None:
        """Delete a job as someone else would, outside the API."""
        with self._lock:
            self._jobs.pop((org_id, job_id), None)

    def job(self, org_id: str, job_id: str) -> OtaJob | None:
        """The job as stored now, or None once deleted."""
        with self._lock:
            return self._jobs.get((org_id, job_id))

    def expire_tokens(self) -> None:
        """Make every issued token expire now."""
        with self._lock:
            self.apim.expire_tokens()

    @property
    def tokens_issued(self) -> int:
        """How many tokens the token service issued (get and refresh)."""
        return self.apim.tokens_issued

    # -- Simulator ------------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        """Answer as the gateway: token service, signature check, then the OTA job API."""
        path = request.url.path
        with self._lock:
            if path in (AUTH_GET, AUTH_REFRESH) and request.method == "POST":
                return self.apim.token(request, refresh=path == AUTH_REFRESH)
            if path == OTA_JOBS:
                return self.apim.refusal(request) or self._ota(request)
        return httpx.Response(404, json={"status": 404, "msg": "Not Found", "business": "apim"})

    def throttled(self, request: httpx.Request) -> httpx.Response:
        """Unconfirmed: EnOS publishes no throttling answer; a 429 in the gateway's style."""
        return status_answer(429, 429, "Too many requests.")

    def server_error(self, request: httpx.Request) -> httpx.Response:
        """Token service: status 1005. OTA service: code 24500 (HTTP 200, as documented)."""
        if request.url.path.startswith("/apim-token-service/"):
            return status_answer(200, 1005)
        return self._business(24500, "OTA service internal error")

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
