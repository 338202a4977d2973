"""Huawei OceanConnect northbound API, simulated: login, refresh, version packages and devices.

Faithful to what the platform documents (VENDORS.md §3–5): only the newest access token of an
application is valid (a second login makes the first answer 403 ``1010005``), ``app_key`` must
name the token's application, devices of another application need ``appId`` and that
application's authorization (``100203``/``100217``), gateways cascade, and the business APIs
allow 100 calls per 60 s per application (403 ``1010009``). Logins are not counted against the
limit: their documented errors do not include ``1010009``.

The data (applications, packages, devices, token grants) and the sandbox's seed are in
`adapters.huawei.simulator.state`.

A refresh with a wrong appId or secret is 401 ``100208``; with a bad or expired refresh token,
400 ``100247`` (one of the refresh failures VENDORS.md §7 lists; which one the platform picks
for which fault is not documented). `refuse_refreshes` answers any of them. Error bodies carry
``error_code`` as a string, as documented; `codes_as_numbers` sends numbers instead.

Not documented, so chosen here (**unconfirmed**): a method a resource does not answer is 405 (with
``Allow``); a call other than the login without ``Content-Type: application/json`` (which every
call carries, VENDORS.md §3) is 415; a refresh whose body is not a JSON object is 400 ``50400``.

Not simulated: mutual TLS (a transport sees requests after TLS).
"""

from __future__ import annotations

import itertools
import json
from typing import Final
from urllib.parse import parse_qs, unquote

import httpx

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.huawei.simulator.state import (
    SANDBOX_APP_ID,
    SANDBOX_SECRET,
    Grant,
    HuaweiState,
    SimDevice,
    SimPackage,
    seed_sandbox,
)
from adapters.simulator import Simulator, SlidingWindow

__all__ = ["SANDBOX_APP_ID", "SANDBOX_SECRET", "HuaweiSimulator", "SimDevice", "SimPackage"]

TOKEN_SECONDS: Final = 3600
REFRESH_SECONDS: Final = 24 * 3600

_SEC: Final = ("iocm", "app", "sec", "v1.1.0")
_PACKAGES: Final = ("iodm", "northbound", "v1.5.0", "category")
_DEVICES: Final = ("iocm", "app", "dm", "v1.4.0", "devices")
_FILE_ID_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
)


def _error(status: int, code: str, desc: str) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_desc": desc})


_INVALID_TOKEN: Final = (403, "1010005", "App_key or access_token is invalid.")
_NOT_JSON: Final = (415, "415", "Content-Type must be application/json.")
_BAD_REFRESH_BODY: Final = (400, "50400", "The request body is invalid.")

#: The methods each resource answers (the login and refresh are POSTs, VENDORS.md §3–5).
_METHODS: Final = {
    "login": ("POST",),
    "refreshToken": ("POST",),
    "package": ("GET", "DELETE"),
    "device": ("GET", "DELETE"),
    "devices": ("GET",),
}
_BAD_SECRET: Final = (401, "100208", "AppId or secret is not right.")


class HuaweiSimulator(Simulator):
    """A stateful OceanConnect for tests and the sandbox.

    Attributes:
        state: Applications, authorizations, packages and devices (tests seed and inspect it).
        logins: How many logins succeeded. refreshes: how many refreshes succeeded.
    """

    vendor = "huawei"

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, rate_limited: bool = True) -> None:
        window = SlidingWindow(calls=100, period=60.0, clock=clock) if rate_limited else None
        super().__init__(clock=clock, rate_window=window)
        self.state = HuaweiState()
        self.logins = 0
        self.refreshes = 0
        self.codes_as_numbers = False
        self._serial = itertools.count(1)
        self._refresh_refusals: list[tuple[int, str]] = []

    @classmethod
    def seeded(cls, *, clock: Clock = SYSTEM_CLOCK) -> HuaweiSimulator:
        """A simulator holding the sandbox's data (ids in `adapters.huawei.adapter`'s docstring)."""
        sim = cls(clock=clock)
        seed_sandbox(sim.state)
        return sim

    def add_package(self, package: SimPackage) -> None:
        """Put a version package on the platform."""
        with self._lock:
            self.state.add_package(package)

    def add_device(self, device: SimDevice) -> None:
        """Register a device."""
        with self._lock:
            self.state.add_device(device)

    def refuse_refreshes(self, status: int, code: str, *, times: int = 1) -> None:
        """Answer the next `times` token refreshes with HTTP `status` and `code`."""
        with self._lock:
            self._refresh_refusals.extend([(status, code)] * times)

    # -- Simulator hooks --------------------------------------------------------------------------
    def counts_toward_limit(self, request: httpx.Request) -> bool:
        return _segments(request)[:4] != _SEC

    def throttled(self, request: httpx.Request) -> httpx.Response:
        return _error(403, "1010009", "app throttle exceed.")

    def server_error(self, request: httpx.Request) -> httpx.Response:
        return _error(500, "50252", "Internal server error.")

    def route(self, request: httpx.Request) -> httpx.Response:
        response = self._route(request)
        if self.codes_as_numbers and response.status_code >= 400:
            body = response.json()
            if str(body.get("error_code", "")).isdigit():
                body["error_code"] = int(body["error_code"])
                return httpx.Response(response.status_code, json=body)
        return response

    def _route(self, request: httpx.Request) -> httpx.Response:
        segs = _segments(request)
        resource = _resource(segs)
        if resource is None:
            return _error(404, "404", f"no route for {request.method} {request.url.path}")
        if request.method not in _METHODS[resource]:
            allowed = ", ".join(_METHODS[resource])
            answer = _error(405, "405", f"Method {request.method} is not allowed here.")
            answer.headers["Allow"] = allowed
            return answer
        with self._lock:
            if resource == "login":
                return self._login(request)
            if not _is_json(request):  # every other call carries JSON (VENDORS.md §3)
                return _error(*_NOT_JSON)
            if resource == "refreshToken":
                return self._refresh(request)
            caller = self._authenticate(request)
            if caller is None:
                return _error(*_INVALID_TOKEN)
            if resource == "package":
                return self._package(request, segs[4])
            return self._devices(request, caller, segs[5] if resource == "device" else None)

    # -- auth -------------------------------------------------------------------------------------
    def _login(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        app = form.get("appId", "")
        if "form-urlencoded" not in request.headers.get("content-type", "") or (
            self.state.apps.get(app) != form.get("secret") or not app
        ):
            return _error(*_BAD_SECRET)
        self.logins += 1
        return self._grant(app)

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        if self._refresh_refusals:
            status, code = self._refresh_refusals.pop(0)
            return _error(status, code, "The refresh was refused.")
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(*_BAD_REFRESH_BODY)
        app = str(body.get("appId", ""))
        if not app or self.state.apps.get(app) != body.get("secret"):
            return _error(*_BAD_SECRET)
        grant = self.state.grants.get(app)
        now = self.clock.monotonic()
        if (
            grant is None
            or grant.refresh != body.get("refreshToken")
            or (now >= grant.refresh_expires_at)
        ):
            return _error(400, "100247", "The refreshToken is invalid.")
        self.refreshes += 1
        return self._grant(app)

    def _grant(self, app: str) -> httpx.Response:
        # A new grant replaces the old one: only the newest access token is valid.
        n = next(self._serial)
        now = self.clock.monotonic()
        grant = Grant(
            f"sim-access-{n:04d}-{app}",
            now + TOKEN_SECONDS,
            f"sim-refresh-{n:04d}-{app}",
            now + REFRESH_SECONDS,
        )
        self.state.grants[app] = grant
        return httpx.Response(
            200,
            json={
                "scope": "default",
                "tokenType": "bearer",
                "expiresIn": TOKEN_SECONDS,
                "accessToken": grant.access,
                "refreshToken": grant.refresh,
            },
        )

    def _authenticate(self, request: httpx.Request) -> str | None:
        app = request.headers.get("app_key", "")
        grant = self.state.grants.get(app)
        bearer = request.headers.get("authorization", "")
        if grant is None or bearer != f"Bearer {grant.access}":
            return None
        return app if self.clock.monotonic() < grant.expires_at else None

    # -- resources --------------------------------------------------------------------------------
    def _package(self, request: httpx.Request, file_id: str) -> httpx.Response:
        if not file_id or not set(file_id) <= _FILE_ID_CHARS:
            return _error(400, "120015", "Bad request error.")
        package = self.state.packages.get(file_id)
        if package is None:
            return _error(404, "123002", "Device or package file not found.")
        if request.method == "DELETE":
            del self.state.packages[file_id]
            return httpx.Response(200)
        return httpx.Response(200, json=package.body())

    def _devices(
        self, request: httpx.Request, caller: str, device_id: str | None
    ) -> httpx.Response:
        owner = request.url.params.get("appId") or caller
        if owner != caller and owner not in self.state.apps:
            return _error(403, "100203", "The application is not existed.")
        if owner != caller and (owner, caller) not in self.state.authorizations:
            return _error(403, "100217", "The application hasn't been authorized.")
        if device_id is None:
            return self._device_list(request, owner)
        device = self.state.devices.get(device_id)
        if device is None:
            return _error(404, "100403", "The device is not existed.")
        if device.app_id != owner:
            return _error(404, "100418", "The deviceData is not existed.")
        if request.method == "DELETE":
            return self._delete_device(request, device)
        return httpx.Response(200, json=device.body())

    def _device_list(self, request: httpx.Request, owner: str) -> httpx.Response:
        params = request.url.params
        gateway, page_no = params.get("gatewayId"), params.get("pageNo")
        if gateway is None and page_no is None:
            return _error(400, "100218", "The gatewayId and pageNo can't be both null.")
        page, size = int(page_no or 0), int(params.get("pageSize") or 25)
        return httpx.Response(200, json=self.state.device_page(owner, gateway, page, size))

    def _delete_device(self, request: httpx.Request, device: SimDevice) -> httpx.Response:
        cascade = request.url.params.get("cascade", "true")
        if cascade not in ("true", "false"):
            return _error(400, "100405", "The request parameter is invalid.")
        self.state.delete_device(device, cascade=cascade == "true")
        return httpx.Response(204)


def _resource(segs: tuple[str, ...]) -> str | None:
    """Which `_METHODS` resource a path names, or None for none."""
    if segs[:4] == _SEC and len(segs) == 5 and segs[4] in ("login", "refreshToken"):
        return segs[4]
    if segs[:4] == _PACKAGES and len(segs) == 5:
        return "package"
    if segs[:5] == _DEVICES:
        return {5: "devices", 6: "device"}.get(len(segs))
    return None


def _is_json(request: httpx.Request) -> bool:
    media = str(request.headers.get("content-type", "")).split(";", 1)[0]
    return media.strip().lower() == "application/json"


def _segments(request: httpx.Request) -> tuple[str, ...]:
    """The path's segments, each percent-decoded after splitting (so ``%2F`` stays in its id)."""
    raw = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
    return tuple(unquote(part) for part in raw.strip("/").split("/"))
