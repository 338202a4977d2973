"""Huawei OceanConnect: delete a version package, delete a device.

`HuaweiAdapter` carries out ``huawei.package.delete`` (``DELETE
/iodm/northbound/v1.5.0/category/{fileId}``) and ``huawei.device.delete`` (``DELETE
/iocm/app/dm/v1.4.0/devices/{deviceId}?appId=&cascade=``). Auth, the single-flight token and the
rate limit live in `adapters.huawei.auth`; error codes in `adapters.huawei.errors`.

Retries: reads (previews) are retried on transport faults and 5xx. A DELETE is sent again only
when the platform refused it before acting (throttling, 1010009: the session slows down and
resends it up to three times) or the connection was refused (nothing sent: once more). A DELETE
that got no answer, a 5xx or a 3xx is `OutcomeUnknown` and is not repeated: the platform does
not document DELETE as idempotent, an internal error (500 ``50252``) or a gateway's error page
may follow a deletion that happened, and a redirect (the client follows none) confirms nothing,
where the platform answers an empty 200 (package) or 204 (device); so does any other 2xx (a
202, a body: an error code, a login page). So the request ends ``unknown`` and the card says
to check first. The one 5xx that says nothing was done (500 ``100203``, no such
application) fails.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

import httpx

from adapters.base import Outcome, Preview, Progress, ProgressCallback, StopSignal, VendorCall
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import AdapterError, CallNotSent, NotConfigured, VendorError, VendorThrottled
from adapters.http import json_body, retry_safely, vendor_client
from adapters.huawei.auth import (
    HuaweiSession,
    Params,
    replicated,
    shared_limiter,
    tls_context,
    with_default_port,
)
from adapters.huawei.errors import (
    APP_NOT_AUTHORIZED,
    APP_NOT_FOUND,
    BAD_FILE_ID,
    DEVICE_DATA_NOT_FOUND,
    DEVICE_NOT_FOUND,
    PACKAGE_NOT_FOUND,
    VENDOR,
    error_code,
    to_error,
    unconfirmed_deletion,
    unsure,
)
from adapters.huawei.preview import (
    blocked_preview,
    children_in,
    device_preview,
    package_preview,
)
from adapters.huawei.settings import HuaweiSettings
from adapters.ratelimit import RateLimiter
from adapters.results import stopped_before_sending
from adapters.shared import Shared
from commands.model import OperationRequest

PACKAGE_DELETE: Final = "huawei.package.delete"
DEVICE_DELETE: Final = "huawei.device.delete"
PACKAGE_PATH: Final = "/iodm/northbound/v1.5.0/category"
DEVICE_PATH: Final = "/iocm/app/dm/v1.4.0/devices"

_PACKAGE_GONE: Final = frozenset({PACKAGE_NOT_FOUND})
_DEVICE_GONE: Final = frozenset({DEVICE_NOT_FOUND, DEVICE_DATA_NOT_FOUND})
#: Refusals of the preview's read that the DELETE would get too: the verdict is blocked.
BLOCKING_READS: Final = (
    _PACKAGE_GONE | _DEVICE_GONE | {APP_NOT_FOUND, APP_NOT_AUTHORIZED, BAD_FILE_ID}
)


class HuaweiAdapter:
    """Deletes OceanConnect version packages and devices. Thread-safe: build one per account.

    Attributes:
        session: The account's token cache, rate limiter and authorized calls.
    """

    vendor = VENDOR

    def __init__(
        self,
        *,
        config: HuaweiSettings,
        client: httpx.Client,
        clock: Clock = SYSTEM_CLOCK,
        sandbox: bool = False,
        limiter: RateLimiter | None = None,
        shared: Shared | None = None,
    ) -> None:
        """The adapter for one application; with `shared`, its token and rate limit are shared
        with every other replica (`adapters.shared`)."""
        if not (config.base_url and config.app_id and config.secret):
            raise NotConfigured(
                "Huawei OceanConnect is not configured",
                vendor=VENDOR,
                next_step="Set `OPSGATE_HUAWEI__BASE_URL`, `OPSGATE_HUAWEI__APP_ID` and "
                "`OPSGATE_HUAWEI__SECRET`.",
            )
        self.sandbox = sandbox
        base_url = with_default_port(config.base_url)
        slot = None
        if shared is not None:
            limiter, slot = replicated(config, base_url, clock, shared, secret=config.secret)
        self.session = HuaweiSession(
            base_url=base_url,
            app_id=config.app_id,
            secret=config.secret,
            client=client,
            clock=clock,
            limiter=limiter or shared_limiter(config, base_url, clock),
            slot=slot,
        )
        self._client = client

    def close(self) -> None:
        """Close the HTTP client and its pooled connections."""
        self._client.close()

    def preview(self, request: OperationRequest) -> Preview:
        """Look at the package or device. This is a read-only operation.

        A target the platform does not have, an application that does not exist or has not
        authorized ours (100217), and a malformed fileId are `Verdict.BLOCKED`, with the code.
        """
        target = _target(request)
        try:
            if request.operation == PACKAGE_DELETE:
                body = self._get(_path(PACKAGE_PATH, target), None, f"package {target}")
                return package_preview(target, body)
            return self._device_preview(request, target)
        except VendorError as exc:
            if exc.code not in BLOCKING_READS:
                raise
            return blocked_preview(exc, found=exc.code not in _PACKAGE_GONE | _DEVICE_GONE)

    def _device_preview(self, request: OperationRequest, device: str) -> Preview:
        app = self._authorizing_app(request)
        body = self._get(_path(DEVICE_PATH, device), _app(app), f"device {device}")
        children = None
        # Unless the platform says it is an endpoint (not UNKNOW, nor silent), it may be a gateway.
        if body.get("nodeType") != "ENDPOINT":
            children = self._count_children(device, app)
        return device_preview(device, body, cascade=_cascade(request), children=children)

    def execute(
        self,
        request: OperationRequest,
        *,
        progress: ProgressCallback | None = None,
        stop: StopSignal | None = None,
    ) -> Outcome:
        """Delete the package or device: the one mutating call.

        Raises:
            VendorError: the platform refused.
            OutcomeUnknown: the DELETE got no answer, a 5xx or a 3xx; it may or may not have
                happened.
        """
        target = _target(request)
        if request.operation == PACKAGE_DELETE:
            what, gone_codes = f"version package {target}", _PACKAGE_GONE
        else:
            what, gone_codes = f"device {target}", _DEVICE_GONE
        path, params = self._delete_call(request)
        try:
            outcome = self._delete(path, params, what, gone_codes, stop)
        except CallNotSent:  # a shutdown came while it waited for the 60 s window
            return stopped_before_sending(request.targets)
        if progress is not None:
            progress(Progress(succeeded=1, total=1))
        return outcome

    def describe(self, request: OperationRequest) -> list[VendorCall]:
        """The DELETE `execute` sends (token masked) and a note of the login. Sends nothing."""
        path, params = self._delete_call(request)
        built = self.session.build("DELETE", path, params=params)
        return [VendorCall.from_request(built, note=self.session.login_note())]

    def check(self) -> str:
        """Log in (or reuse the cached token) and say so.

        Raises:
            AdapterError: the platform could not be reached or refused the credentials.
        """
        self.session.tokens.get()
        return f"Huawei login OK (token valid {self.session.granted_seconds or 3600} s)"

    # -- helpers ----------------------------------------------------------------------------------
    def _delete_call(self, request: OperationRequest) -> tuple[str, Params | None]:
        target = _target(request)
        if request.operation == PACKAGE_DELETE:
            return _path(PACKAGE_PATH, target), None
        params = _app(self._authorizing_app(request)) or {}
        params["cascade"] = "true" if _cascade(request) else "false"
        return _path(DEVICE_PATH, target), params

    def _authorizing_app(self, request: OperationRequest) -> str | None:
        """`--app`, unless it names opsgate's own application: ``appId`` is only for a device of
        another, authorizing application (VENDORS.md §5); otherwise the platform wants it null
        (its advice for 100217)."""
        app = request.str_param("app")
        return None if app == self.session.app_id else app

    def _get(self, path: str, params: Params | None, subject: str) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            response = self.session.call("GET", path, params=params)
            if response.status_code >= 400:
                raise _answered(response, subject)
            return json_body(response, vendor=VENDOR, mutating=False)

        return retry_safely(attempt)

    def _count_children(self, gateway_id: str, app: str | None) -> int | None:
        """How many devices hang off this gateway, or None when the platform will not say."""
        params = {**(_app(app) or {}), "gatewayId": gateway_id, "pageNo": "0", "pageSize": "250"}
        try:
            body = self._get(DEVICE_PATH, params, f"gateway {gateway_id}")
        except AdapterError:
            return None  # the count is a nicety: the warning falls back to "its child devices"
        return children_in(body, gateway_id)

    def _delete(
        self,
        path: str,
        params: Params | None,
        what: str,
        gone: frozenset[str],
        stop: StopSignal | None,
    ) -> Outcome:
        def attempt() -> Outcome:
            response = self.session.call("DELETE", path, params=params, mutating=True, stop=stop)
            if response.status_code == 404 and error_code(response) in gone:
                return _gone(what)
            if response.status_code >= 500:
                raise unsure(response, what=what)
            if response.status_code >= 400:
                raise _answered(response, what)
            unconfirmed = unconfirmed_deletion(response, what=what)
            if unconfirmed is not None:
                raise unconfirmed  # a redirect, or a 2xx other than the documented empty one
            return Outcome(summary=f"Deleted {what}")

        # Only what the platform refused before acting is sent again (see the module docstring).
        return retry_safely(attempt, attempts=2)


def _answered(response: httpx.Response, subject: str) -> VendorError:
    """The error of a refused call. Throttling is not retried again here: the session has
    already slowed down and resent the call `adapters.huawei.auth.MAX_THROTTLE_RETRIES` times,
    and a second loop around it would multiply the calls sent into a limit still closed."""
    error = to_error(response, subject=subject)
    if isinstance(error, VendorThrottled):
        error.retryable = False
    return error


def _gone(what: str) -> Outcome:
    return Outcome(already_gone=True, summary=f"{what[:1].upper()}{what[1:]} was already gone")


def _target(request: OperationRequest) -> str:
    if request.operation not in (PACKAGE_DELETE, DEVICE_DELETE):
        raise ValueError(f"HuaweiAdapter does not handle {request.operation!r}")
    if len(request.targets) != 1:
        raise ValueError(f"{request.operation} takes exactly one target")
    return request.targets[0]


def _path(prefix: str, identifier: str) -> str:
    return f"{prefix}/{quote(identifier, safe='')}"  # never a raw identifier in a URL


def _app(app: str | None) -> Params | None:
    return {"appId": app} if app else None


def _cascade(request: OperationRequest) -> bool:
    value = request.param("cascade")  # a bool from the parser; a string if a caller passed one
    if isinstance(value, str):
        return value.strip().lower() not in {"false", "0", "no"}
    return True if value is None else bool(value)


def from_config(
    config: HuaweiSettings, *, clock: Clock = SYSTEM_CLOCK, shared: Shared | None = None
) -> HuaweiAdapter:
    """The adapter for the real platform, over mutual TLS. Build it once per process; with
    `shared`, the replicas' shared token and rate window."""
    client = vendor_client(config, verify=tls_context(config))
    return HuaweiAdapter(config=config, client=client, clock=clock, shared=shared)
