"""A faithful simulator of Alibaba Cloud IoT's RPC API (version 2018-01-20), as an httpx transport.

A call passes the API gateway first (`adapters.aliyun.simulator.gateway`: Action, Version, common
parameters, AccessKeyId, Timestamp, signature, nonce replay, then the account's 10 calls/s on
the simulator's clock), then IoT (`adapters.aliyun.simulator.ota`: IotInstanceId, the action's
parameters, per-device OTA task state). IoT answers are ``{"RequestId", "Success", "Code",
"ErrorMessage"}`` with HTTP 200; the gateway's refusals use its own body and HTTP 4xx.

Assumptions where the vendor publishes nothing: a throttled call is HTTP 400 ``Throttling.User``
(what the vendor's SDK reports for RPC APIs; `inject_error` can answer 403 or 429 too); an
internal error is HTTP 500 ``iot.system.SystemException``; devices that do not exist, or have
nothing pending, are skipped by a cancel, which answers ``Success: true`` all the same (what the
vendor answers then is undocumented: opsgate lists again to see what changed).

`adapters.aliyun.simulator.sandbox.seeded` builds the sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from adapters.aliyun.simulator import gateway
from adapters.aliyun.simulator.ota import (
    Firmware,
    GatewayError,
    IotApi,
    IotError,
    OtaState,
    OtaTask,
    device_names,
)
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.simulator import Simulator

ACTIONS = (
    "CancelOTATaskByDevice",
    "QueryOTAFirmware",
    "ListOTAUnfinishedTaskByDevice",
    "ListOTATaskByJob",
    "ListOTAFirmware",
)


@dataclass
class _InjectedError:
    code: str
    message: str
    device: str | None
    times: int
    status: int
    gateway: bool
    action: str | None


class AliyunSimulator(Simulator):
    """Alibaba Cloud IoT, simulated.

    Attributes:
        state: Products, firmware and OTA tasks (`OtaState`).
        instance_id: The instance's IotInstanceId; calls must carry exactly this (None: no id).
        accepted: ``(action, params)`` of every call the gateway let through, in order.
        throttled_count: Calls refused by an account's rate window (or an injected throttle).
    """

    vendor = "aliyun"

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        instance_id: str | None = None,
        calls_per_second: int = 10,
    ) -> None:
        super().__init__(clock=clock)  # no shared window: the gateway keeps one per account
        self.state = OtaState()
        self.instance_id = instance_id
        self.accepted: list[tuple[str, dict[str, str]]] = []
        self.gateway = gateway.Gateway(
            actions=ACTIONS, clock=clock, calls_per_second=calls_per_second
        )
        self._api = IotApi(self.state)
        self._errors: list[_InjectedError] = []

    # -- seeding and fault injection ------------------------------------------------------------
    def add_account(self, key_id: str, secret: str) -> None:
        """Accept this AccessKey pair (an account with its own rate limit)."""
        self.gateway.add_account(key_id, secret)

    def add_product(self, product_key: str, name: str) -> None:
        """Create a product."""
        self.state.products[product_key] = name

    def add_firmware(self, firmware: Firmware) -> None:
        """Create an OTA upgrade package."""
        self.state.firmware[firmware.firmware_id] = firmware

    def add_device(self, product_key: str, device: str) -> None:
        """Create a device with no OTA tasks."""
        with self.state.lock:
            self.state.devices.setdefault((product_key, device), [])

    def add_task(
        self, product_key: str, device: str, firmware_id: str, job_id: str, status: str = "QUEUED"
    ) -> OtaTask:
        """Give a device an upgrade task in `status`."""
        return self.state.add_task(product_key, device, firmware_id, job_id, status)

    def inject_error(
        self,
        code: str,
        message: str = "",
        *,
        device: str | None = None,
        times: int = 1,
        status: int = 200,
        gateway: bool = False,
        action: str | None = None,
    ) -> None:
        """Answer the next `times` authenticated calls (that name `device`, and are `action`,
        if given) with an error carrying `code`, with HTTP `status`: IoT's body
        (``Success: false``, ``ErrorMessage``), or with `gateway` the gateway's (``Code`` and
        ``Message`` only)."""
        error = _InjectedError(code, message or code, device, times, status, gateway, action)
        with self._lock:
            self._errors.append(error)

    def accepted_calls(self, action: str) -> list[dict[str, str]]:
        """Parameters of the calls to `action` the gateway let through, in order."""
        with self._lock:
            return [params for name, params in self.accepted if name == action]

    # -- the vendor's answers -------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        params = gateway.received_params(request)
        try:
            self.gateway.authenticate(request.method, params, path=request.url.path)
            if not self.gateway.admit(params["AccessKeyId"], params["Action"]):
                return self.throttled(request)
            with self._lock:
                self.accepted.append((params["Action"], params))
            self._iot_checks(params)
            body = self._api.answer(params["Action"], params)
        except IotError as error:
            return gateway.refusal(error, params)
        return gateway.answer(200, {"RequestId": gateway.request_id(), **body}, params)

    def throttled(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.throttled_count += 1
        error = GatewayError("Throttling.User", "Request was denied due to user flow control.", 400)
        return gateway.refusal(error, gateway.received_params(request))

    def server_error(self, request: httpx.Request) -> httpx.Response:
        error = IotError("iot.system.SystemException", "A system exception occurred.", 500)
        return gateway.refusal(error, gateway.received_params(request))

    def _iot_checks(self, params: Mapping[str, str]) -> None:
        if params.get("IotInstanceId") != self.instance_id:
            raise IotError("iot.system.InstanceNotFound", "The specified instance is not found.")
        injected = self._take_error(params)
        if injected is not None:
            kind = GatewayError if injected.gateway else IotError
            raise kind(injected.code, injected.message, injected.status)

    def _take_error(self, params: Mapping[str, str]) -> _InjectedError | None:
        names = _names_in(params)
        with self._lock:
            for injected in self._errors:
                if injected.action not in (None, params["Action"]):
                    continue
                if injected.device is None or injected.device in names:
                    injected.times -= 1
                    if injected.times <= 0:
                        self._errors.remove(injected)
                    return injected
        return None


def _names_in(params: Mapping[str, str]) -> set[str]:
    if "DeviceName" in params:
        return {params["DeviceName"]}
    if params.get("Action") == "ListOTATaskByJob":
        return {v for k, v in params.items() if k.startswith("DeviceNames.")}
    try:
        return set(device_names(params))
    except IotError:
        return set()
