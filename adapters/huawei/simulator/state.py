"""The state of the simulated Huawei OceanConnect, and the sandbox's seed data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

#: The sandbox's platform address and application (the adapter's settings in the sandbox).
SANDBOX_BASE_URL: Final = "https://huawei.sandbox.invalid:8743"
SANDBOX_APP_ID: Final = "opsgate-sandbox"
SANDBOX_SECRET: Final = "sandbox-secret-not-real"  # noqa: S105  (the sandbox's own, public)


@dataclass
class SimPackage:
    """A version package on the platform (fields of QueryUpgradePackageOutDTO)."""

    file_id: str
    name: str
    version: str
    file_type: str = "firmwarePackage"
    device_type: str = "WaterMeter"
    model: str = "WM-100"
    manufacturer_name: str = "opsgate-sim"
    protocol_type: str = "CoAP"
    date: str = "2025-11-02"
    upload_time: str = "20251102T080000Z"

    def body(self) -> dict[str, str]:
        """The JSON the query API answers with."""
        return {
            "fileId": self.file_id,
            "name": self.name,
            "version": self.version,
            "fileType": self.file_type,
            "deviceType": self.device_type,
            "model": self.model,
            "manufacturerName": self.manufacturer_name,
            "protocolType": self.protocol_type,
            "date": self.date,
            "uploadTime": self.upload_time,
        }


@dataclass
class SimDevice:
    """A device; a directly connected one has `gateway_id` equal to its own id."""

    device_id: str
    app_id: str
    name: str
    node_type: str = "ENDPOINT"
    status: str = "ONLINE"
    model: str = "WM-100"
    gateway_id: str = ""

    def __post_init__(self) -> None:
        self.gateway_id = self.gateway_id or self.device_id

    def body(self) -> dict[str, Any]:
        """The JSON the query API answers with (QueryDeviceDTO, the fields opsgate reads)."""
        return {
            "deviceId": self.device_id,
            "gatewayId": self.gateway_id,
            "nodeType": self.node_type,
            "createTime": "20251101T000000Z",
            "deviceInfo": {
                "nodeId": self.device_id,
                "name": self.name,
                "status": self.status,
                "model": self.model,
                "deviceType": "WaterMeter",
            },
            "services": [],
        }


@dataclass
class Grant:
    """An application's newest access and refresh tokens, with their expiry (monotonic)."""

    access: str
    expires_at: float
    refresh: str
    refresh_expires_at: float


@dataclass
class HuaweiState:
    """Applications, authorizations, packages, devices and token grants."""

    apps: dict[str, str] = field(default_factory=dict)  # appId -> secret
    authorizations: set[tuple[str, str]] = field(default_factory=set)  # (owner, grantee)
    packages: dict[str, SimPackage] = field(default_factory=dict)
    devices: dict[str, SimDevice] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)  # appId -> its newest tokens

    def add_package(self, package: SimPackage) -> None:
        """Put a version package on the platform."""
        self.packages[package.file_id] = package

    def add_device(self, device: SimDevice) -> None:
        """Register a device."""
        self.devices[device.device_id] = device

    def delete_device(self, device: SimDevice, *, cascade: bool) -> None:
        """Delete `device`; a gateway's children go with it (`cascade`) or become directly
        connected."""
        for child in [
            d for d in self.devices.values() if d.gateway_id == device.device_id and d is not device
        ]:
            if cascade:
                del self.devices[child.device_id]
            else:
                child.gateway_id = child.device_id
        del self.devices[device.device_id]

    def device_page(self, owner: str, gateway: str | None, page: int, size: int) -> dict[str, Any]:
        """One page of `owner`'s devices (under `gateway`, if given), as the platform lists it."""
        found = [
            d
            for d in self.devices.values()
            if d.app_id == owner and gateway in (None, d.gateway_id)
        ]
        devices = [d.body() for d in found[page * size : (page + 1) * size]]
        return {"totalCount": len(found), "pageNo": page, "pageSize": size, "devices": devices}


def seed_sandbox(state: HuaweiState) -> None:
    """The sandbox's data (ids listed in `adapters.huawei.adapter`'s docstring)."""
    state.apps.update({SANDBOX_APP_ID: SANDBOX_SECRET, "partner-app": "p", "stranger-app": "s"})
    state.authorizations.add(("partner-app", SANDBOX_APP_ID))
    for file_id, version in (("pkg-meter-fw-1.2.0", "1.2.0"), ("pkg-meter-fw-1.1.0", "1.1.0")):
        state.add_package(SimPackage(file_id, "meter-firmware", version))
    state.add_package(
        SimPackage(
            "pkg-gw-sw-2.0.1",
            "gateway-agent",
            "2.0.1",
            file_type="softwarePackage",
            device_type="Gateway",
            model="GW-8",
        )
    )
    state.add_device(SimDevice("dev-meter-0001", SANDBOX_APP_ID, "meter 0001"))
    state.add_device(
        SimDevice("gw-0001", SANDBOX_APP_ID, "gateway 0001", node_type="GATEWAY", model="GW-8")
    )
    for n in (1, 2, 3):
        state.add_device(
            SimDevice(
                f"gw-0001-child-{n}",
                SANDBOX_APP_ID,
                f"child {n}",
                gateway_id="gw-0001",
                status="OFFLINE",
            )
        )
    state.add_device(SimDevice("partner-dev-0001", "partner-app", "partner meter"))
    state.add_device(SimDevice("stranger-dev-0001", "stranger-app", "stranger meter"))
