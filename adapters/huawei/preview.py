"""What the approval card shows for a Huawei version package or device: pure functions of the
platform's answers (``GET …/category/{fileId}``, ``GET …/devices/{deviceId}``), no I/O."""

from __future__ import annotations

from typing import Any, Final

from adapters.base import Blocker, Preview
from adapters.errors import VendorError

#: Package fields (QueryUpgradePackageOutDTO) -> card labels, in card order.
_PACKAGE_FACTS: Final = {
    "name": "name",
    "version": "version",
    "fileType": "type",
    "deviceType": "device type",
    "model": "model",
    "manufacturerName": "manufacturer",
    "protocolType": "protocol",
    "date": "date",
    "uploadTime": "uploaded",
}
#: Device fields (deviceInfo of QueryDeviceDTO) -> card labels.
_DEVICE_INFO_FACTS: Final = {"name": "name", "status": "status", "model": "model"}


def blocked_preview(error: VendorError, *, found: bool) -> Preview:
    """The platform refused the read for a reason the DELETE shares (the target or its
    application does not exist, or ours is not authorized): `Verdict.BLOCKED`, with the code."""
    blocker = Blocker(message=error.message, code=error.code, next_step=error.next_step)
    return Preview(summary=error.message, found=found, blocked=blocker)


def package_preview(file_id: str, body: dict[str, Any]) -> Preview:
    """The card for a version package the platform has."""
    facts = _facts(body, _PACKAGE_FACTS)
    label = " ".join(v for v in (facts.get("name"), facts.get("version")) if v) or file_id
    kind = facts.get("type", "version package")
    summary = f"{kind} {label}"
    if "device type" in facts:
        summary += f" for {facts['device type']} {facts.get('model', '')}".rstrip()
    return Preview(summary=summary, facts={"fileId": file_id, **facts})


def device_preview(
    device_id: str, body: dict[str, Any], *, cascade: bool, children: int | None
) -> Preview:
    """The card for a device; `children` is the gateway's child count when the platform said."""
    info = body.get("deviceInfo")
    facts = _facts(info if isinstance(info, dict) else {}, _DEVICE_INFO_FACTS)
    node_type = str(body.get("nodeType") or "UNKNOW")
    facts["node type"] = node_type
    gateway = body.get("gatewayId")
    if gateway and gateway != device_id:  # a directly connected device is its own gateway
        facts["gateway"] = str(gateway)
    warnings: list[str] = []
    # A device of another node type (UNKNOW, or none given) may be a gateway: the cascade takes
    # whatever hangs off it, so it is warned about as a gateway is unless none does.
    if node_type == "GATEWAY" or (node_type != "ENDPOINT" and children != 0):
        facts["cascade"] = "true" if cascade else "false"
        if children is not None:
            facts["child devices"] = str(children)
        warnings += _gateway_warnings(cascade, children, _as_gateway(node_type, children))
    name = facts.get("name", device_id)
    status = facts.get("status", "status unknown")
    summary = f"{node_type.lower()} device {name} ({device_id}), {status}"
    return Preview(summary=summary, facts={"deviceId": device_id, **facts}, warnings=warnings)


def _as_gateway(node_type: str, children: int | None) -> str:
    """How the warning opens: naming a gateway, or what may be one."""
    if node_type == "GATEWAY":
        return "gateway:"
    if children is None:
        return f"node type {node_type}, perhaps a gateway: if so,"
    return f"node type {node_type}, with devices under it as a gateway's:"


def _gateway_warnings(cascade: bool, children: int | None, opening: str) -> list[str]:
    if children == 0:
        return []
    which = "its child devices" if children is None else f"its {children} child devices"
    if cascade:
        return [
            f"{opening} deleting it also deletes {which} "
            "(use `--no-cascade` to keep them as directly connected)"
        ]
    return [f"{opening} {which} will be kept and become directly connected (`--no-cascade`)"]


def _facts(body: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    return {
        label: str(body[key]) for key, label in labels.items() if body.get(key) not in (None, "")
    }


def children_in(body: dict[str, Any], gateway_id: str) -> int | None:
    """The gateway's child count from a device listing (QueryDevicesDTO), or None when the
    answer holds no device list: a count of 0 would drop the cascade warning from the card."""
    devices = body.get("devices")
    if not isinstance(devices, list):
        return None
    # The list includes the gateway itself (a directly connected device's gatewayId is its own id).
    total = body.get("totalCount")
    if isinstance(total, int) and total > len(devices):
        return max(total - 1, 0)
    return sum(1 for d in devices if isinstance(d, dict) and d.get("deviceId") != gateway_id)
