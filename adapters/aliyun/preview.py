"""The read-only look before an OTA-task cancel: which firmware, and what each device has pending.

`QueryOTAFirmware` names the firmware; `ListOTAUnfinishedTaskByDevice` shows, per device, the
tasks a cancel would hit. Long device lists are sampled (evenly spaced, so the first and last
devices are always looked at), and the card says so.

The verdict (SPEC §8): ``blocked`` when the vendor refuses the look for a reason the cancel
shares (no such firmware, product or instance: `BLOCKING_CODES`), when the firmware belongs to
another product, or when every device was looked at and none exists; ``warn`` when some devices
have nothing to cancel, are already upgrading, or do not exist (a sample can only warn).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from adapters.aliyun.errors import VENDOR, field, same_code
from adapters.aliyun.rpc import RpcClient
from adapters.aliyun.wording import agree, devices, named
from adapters.base import Blocker, Preview, StopSignal
from adapters.errors import VendorAuthError, VendorError, VendorUnreachable

SAMPLE_SIZE = 20
#: What a cancel acts on (the vendor's doc: pending confirmation, pending push, pushed).
CANCELLABLE = ("CONFIRM", "QUEUED", "NOTIFIED")
UNFINISHED = (*CANCELLABLE, "IN_PROGRESS")
NOT_FOUND = "iot.device.NotExistedDevice"
#: Refusals of the look that the cancel would get too: the request names what does not exist.
#: (``iot.ota.FirmwareNotExist`` is the simulator's, unconfirmed; other ``iot.ota.*`` codes
#: are about the request's firmware or job as well.)
BLOCKING_CODES = ("iot.prod.NotExistedProduct", "iot.system.InstanceNotFound")
BLOCKING_PREFIX = "iot.ota."
#: ``iot.ota.*`` codes the vendor documents for the listing's own parameters (VENDORS.md §7):
#: about how opsgate asked, not about what the cancel names, so they decide nothing about it.
LISTING_ONLY = ("iot.ota.NullOtaModuleName", "iot.ota.EmptyDeviceInfoParams")

T = TypeVar("T")
R = TypeVar("R")


class Mapper(Protocol):
    """Runs `fn` over `items`, possibly in parallel (a thread pool's ``map``), in order."""

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> Iterable[R]: ...


@dataclass(frozen=True)
class DeviceLook:
    """What one sampled device has that this cancel matches."""

    device: str
    found: bool
    cancellable: int = 0
    upgrading: int = 0


def sample(targets: Sequence[str], size: int = SAMPLE_SIZE) -> tuple[str, ...]:
    """`size` evenly spaced targets (all of them when there are no more than `size`)."""
    if len(targets) <= size:
        return tuple(targets)
    step = (len(targets) - 1) / (size - 1)
    return tuple(targets[round(i * step)] for i in range(size))


def build_preview(
    rpc: RpcClient, base: Mapping[str, str], targets: Sequence[str], *, calls: int, map_: Mapper
) -> Preview:
    """The preview for cancelling `base`'s firmware (and job) on `targets`. Read-only.

    Args:
        rpc: The account's client.
        base: ``ProductKey``, ``FirmwareId`` and, when given, ``JobId`` and ``IotInstanceId``.
        targets: Every device name of the request.
        calls: How many cancel calls `execute` would make.
        map_: Runs the per-device look-ups (a thread pool's ``map``).

    Raises:
        VendorError: the vendor refused the look for a reason that does not decide the cancel
            (credentials, throttling, an internal error).
    """
    try:
        firmware = query_firmware(rpc, base)
        looked = list(map_(lambda device: look_at(rpc, base, device), sample(targets)))
    except VendorError as exc:
        if not blocks_the_cancel(exc):
            raise
        blocker = Blocker(message=exc.message, code=exc.code, next_step=exc.next_step)
        return Preview(summary=f"The vendor refused the look: {exc.message}", blocked=blocker)
    facts = _facts(base, firmware, targets, looked, calls)
    found = any(look.found for look in looked)
    summary = (
        f"Read-only look: firmware {facts['Firmware']}; {facts['Pending cancellable tasks']}"
        if found
        else _capital(_none_exist(looked, targets, base["ProductKey"]))
    )
    return Preview(
        summary=summary,
        facts=facts,
        warnings=_warnings(base, looked, targets),
        blocked=_blocker(base, firmware, targets, looked),
        outcome_note=pending_note(looked, of=len(targets)),
    )


def pending_note(looked: Sequence[DeviceLook], *, of: int) -> str:
    """What the look counted, for the outcome (the vendor's answer does not say): ``55 had
    a pending task when previewed``, or ``17 of 20 sampled …`` when only a sample was looked at;
    ``none of the 20 sampled existed …`` when the look found none of them."""
    pending = sum(1 for look in looked if look.cancellable)
    if not any(look.found for look in looked):
        some = f"{len(looked):,} sampled" if len(looked) < of else f"{of:,}"
        gone = "it did not exist" if of == 1 else f"none of the {some} existed"
        return f"{gone} when previewed"
    if of == 1:
        return f"it had {'a' if pending else 'no'} pending task when previewed"
    if len(looked) < of:
        return f"{pending:,} of {len(looked):,} sampled had a pending task when previewed"
    counted = f"{pending:,}" if pending else "none"
    return f"{counted} had a pending task when previewed"


def blocks_the_cancel(error: VendorError) -> bool:
    """True when the vendor refused the look for a reason the cancel would be refused for."""
    if (
        isinstance(error, VendorAuthError)
        or error.retryable
        or same_code(error.code, *LISTING_ONLY)
    ):
        return False
    return same_code(error.code, *BLOCKING_CODES) or error.code.lower().startswith(BLOCKING_PREFIX)


def _blocker(
    base: Mapping[str, str],
    firmware: Mapping[str, Any],
    targets: Sequence[str],
    looked: Sequence[DeviceLook],
) -> Blocker | None:
    owner = field(firmware, "ProductKey")
    if owner and owner != base["ProductKey"]:
        return Blocker(
            message=f"the firmware belongs to product {owner}, not {base['ProductKey']}: the "
            "cancel would match no task",
            next_step="Check `--product` and `--firmware` in the IoT console (OTA upgrades).",
        )
    if len(looked) == len(targets) and not any(look.found for look in looked):
        return Blocker(
            message=_none_exist(looked, targets, base["ProductKey"]),
            code=NOT_FOUND,
            next_step="Check the device names and `--product` in the IoT console.",
        )
    return None


def query_firmware(rpc: RpcClient, base: Mapping[str, str]) -> dict[str, Any]:
    """``FirmwareInfo`` of the request's firmware."""
    params = {k: v for k, v in base.items() if k in ("FirmwareId", "IotInstanceId")}
    info = field(rpc.call("QueryOTAFirmware", params, mutating=False), "FirmwareInfo")
    return info if isinstance(info, dict) else {}


def look_at(
    rpc: RpcClient, base: Mapping[str, str], device: str, *, stop: StopSignal | None = None
) -> DeviceLook:
    """The device's unfinished tasks that match the firmware (and job). `stop` is asked right
    before the call goes out (`CallNotSent` when it says not to send it)."""
    params = {k: v for k, v in base.items() if k in ("ProductKey", "IotInstanceId")}
    params["DeviceName"] = device
    params.update({f"TaskStatusList.{i}": s for i, s in enumerate(UNFINISHED, start=1)})
    try:
        body = rpc.call("ListOTAUnfinishedTaskByDevice", params, mutating=False, stop=stop)
    except VendorError as exc:
        if same_code(exc.code, NOT_FOUND):
            return DeviceLook(device, found=False)
        raise
    matching = [t for t in task_rows(body) if _matches(t, base)]
    statuses = [str(field(t, "TaskStatus")) for t in matching]
    return DeviceLook(
        device, True, sum(s in CANCELLABLE for s in statuses), statuses.count("IN_PROGRESS")
    )


def task_rows(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The task rows of an OTA task listing (none when it says success without ``Data``).

    Raises:
        VendorUnreachable: ``Data`` is neither a list of rows nor an object wrapping one (a
            number, a string), or there is none and no ``"Success": true`` either (``{}``): an
            answer opsgate cannot read, not "no tasks".
    """
    # Documented as an array; the vendor's JSON also wraps arrays as {"SimpleOTATaskInfo": [...]}.
    data = raw = field(body, "Data")
    if isinstance(data, dict):
        data = field(data, "SimpleOTATaskInfo")
    silent = raw is None and str(field(body, "Success")).lower() != "true"
    if silent or (data is not None and not isinstance(data, list)):
        said = (
            'that says nothing (no Data, no `"Success": true`)'
            if silent
            else f"whose Data is not a list of tasks ({type(data).__name__})"
        )
        raise VendorUnreachable(
            f"{VENDOR} answered an OTA task listing {said}",
            vendor=VENDOR,
            next_step="Try again; if it persists, check `OPSGATE_ALIYUN__ENDPOINT`.",
        )
    return [row for row in data or [] if isinstance(row, dict)]


def _matches(task: Mapping[str, Any], base: Mapping[str, str]) -> bool:
    same_job = "JobId" not in base or str(field(task, "JobId")) == base["JobId"]
    return str(field(task, "FirmwareId")) == base["FirmwareId"] and same_job


def _facts(
    base: Mapping[str, str],
    firmware: Mapping[str, Any],
    targets: Sequence[str],
    looked: Sequence[DeviceLook],
    calls: int,
) -> dict[str, str]:
    n, found = len(looked), [look for look in looked if look.found]
    pending = sum(1 for x in found if x.cancellable)
    scope = "all" if n == len(targets) else f"{n} of {len(targets):,}"
    facts = {
        "Firmware": _firmware_name(firmware, base["FirmwareId"]),
        "Product": base["ProductKey"],
        "Job": base.get("JobId", "any job of this firmware"),
        "Devices": f"{len(targets):,} ({calls} call{'s' if calls != 1 else ''} of up to 200)",
        "Sampled": f"{scope} devices" + ("" if n == len(targets) else " (sampled, evenly spaced)"),
        # "1 of 2 devices has": the verb agrees with the count, "0 of 1 device has" with the noun.
        "Pending cancellable tasks": f"{pending} of {devices(n, _sampled(looked, targets))} "
        f"{agree(1 if n == 1 else pending, 'has', 'have')} a task awaiting confirmation, "
        "queued or pushed",
    }
    if "IotInstanceId" in base:
        facts["Instance"] = base["IotInstanceId"]
    return facts


def _sampled(looked: Sequence[DeviceLook], targets: Sequence[str]) -> str:
    """``"sampled "`` when only a sample of the devices was looked at; nothing when all were."""
    return "sampled " if len(looked) < len(targets) else ""


def _capital(text: str) -> str:
    """`text` begun with a capital (`str.capitalize` would lower a product key's)."""
    return text[:1].upper() + text[1:]


def _none_exist(looked: Sequence[DeviceLook], targets: Sequence[str], product: str) -> str:
    """``none of the 3 devices exists in product P``, or ``the device does not exist …``."""
    sampled = _sampled(looked, targets)
    if len(looked) == 1:
        return f"the {sampled}device does not exist in product {product}"
    return f"none of the {devices(len(looked), sampled)} exists in product {product}"


def _firmware_name(firmware: Mapping[str, Any], firmware_id: str) -> str:
    name = field(firmware, "FirmwareName") or firmware_id
    src, dest = field(firmware, "SrcVersion"), field(firmware, "DestVersion")
    versions = f"{src} → {dest}" if src and dest else (dest or "")
    return f"{name} {versions} ({firmware_id})".replace("  ", " ")


def _warnings(
    base: Mapping[str, str], looked: Sequence[DeviceLook], targets: Sequence[str]
) -> list[str]:
    warnings = []
    which = "firmware" + (" and job" if "JobId" in base else "")
    n, sampled = len(looked), _sampled(looked, targets)
    if any(look.found for look in looked) and not any(look.cancellable for look in looked):
        none = (
            f"The {sampled}device has no" if n == 1 else f"None of the {devices(n, sampled)} has a"
        )
        warnings.append(f"{none} pending task for this {which}: the cancel would change nothing.")
    idle = [x.device for x in looked if x.found and not x.cancellable and not x.upgrading]
    if idle and any(look.cancellable for look in looked):
        warnings.append(
            f"{len(idle):,} of the {devices(n, sampled)} ({named(idle)}) "
            f"{agree(len(idle), 'has', 'have')} nothing to cancel for this {which}: the cancel "
            f"changes nothing for {agree(len(idle), 'it', 'them')}."
        )
    upgrading = [look.device for look in looked if look.upgrading]
    if upgrading:
        warnings.append(
            f"{devices(len(upgrading), sampled)} ({named(upgrading)}) "
            f"{agree(len(upgrading), 'is', 'are')} already upgrading (IN_PROGRESS): the vendor "
            "cancels only tasks awaiting confirmation, queued or pushed."
        )
    missing = [look.device for look in looked if not look.found]
    if missing:
        warnings.append(
            f"{devices(len(missing), sampled)} ({named(missing)}) "
            f"{agree(len(missing), 'does', 'do')} not exist in product {base['ProductKey']}."
        )
    return warnings
