"""The IoT side of the Alibaba Cloud simulator: products, firmware and per-device OTA tasks.

`IotApi.answer` runs one already-authenticated action and returns the vendor's JSON body, or
raises `IotError` with the vendor's code. Codes marked *unconfirmed* are not in public
material; they follow the vendor's naming so the adapter's "show unknown codes verbatim" path is
exercised.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Task states the seed document says a cancel acts on: pending confirmation, pending push, pushed.
CANCELLABLE = frozenset({"CONFIRM", "QUEUED", "NOTIFIED"})
UNFINISHED = CANCELLABLE | {"IN_PROGRESS"}
MAX_DEVICES_PER_CALL = 200
#: ListOTATaskByJob's largest page, and the furthest it pages (CurrentPage × PageSize).
MAX_JOB_PAGE = 100
MAX_JOB_ROWS = 100_000


class IotError(Exception):
    """An IoT business error: HTTP `status` (normally 200) with ``Success: false``."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.status = status


class GatewayError(IotError):
    """The API gateway's own refusal (``Code``/``Message``/``HostId``), before IoT sees the call."""


@dataclass(frozen=True)
class Firmware:
    """An OTA upgrade package."""

    firmware_id: str
    name: str
    product_key: str
    src_version: str
    dest_version: str
    module_name: str = "default"


@dataclass
class OtaTask:
    """One device's upgrade task within a job."""

    task_id: str
    product_key: str
    device_name: str
    firmware_id: str
    job_id: str
    status: str


@dataclass
class OtaState:
    """Everything the simulated IoT instance holds. Mutate only through its methods."""

    products: dict[str, str] = field(default_factory=dict)  # ProductKey -> ProductName
    firmware: dict[str, Firmware] = field(default_factory=dict)
    devices: dict[tuple[str, str], list[OtaTask]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7_000_000_001))

    def add_task(
        self, product_key: str, device: str, firmware_id: str, job_id: str, status: str = "QUEUED"
    ) -> OtaTask:
        """Give `device` an upgrade task (the device is created if new)."""
        task = OtaTask(f"task-{next(self._ids)}", product_key, device, firmware_id, job_id, status)
        with self.lock:
            self.devices.setdefault((product_key, device), []).append(task)
        return task

    def tasks(self, product_key: str, device: str) -> list[OtaTask]:
        """The device's tasks, every status."""
        with self.lock:
            return list(self.devices.get((product_key, device), []))


class IotApi:
    """The IoT actions the simulator serves, over an `OtaState`."""

    def __init__(self, state: OtaState) -> None:
        self.state = state

    def answer(self, action: str, params: Mapping[str, str]) -> dict[str, Any]:
        """The success body of `action` (without RequestId); raise `IotError` otherwise."""
        handler = {
            "CancelOTATaskByDevice": self._cancel,
            "QueryOTAFirmware": self._query_firmware,
            "ListOTAUnfinishedTaskByDevice": self._list_unfinished,
            "ListOTATaskByJob": self._list_by_job,
            "ListOTAFirmware": self._list_firmware,
        }[action]
        return handler(params)

    def _cancel(self, params: Mapping[str, str]) -> dict[str, Any]:
        product, firmware = self._product(params), _required(params, "FirmwareId")
        self._firmware(firmware)
        names = device_names(params)
        job = params.get("JobId")
        with self.state.lock:
            for name in names:  # unknown devices have nothing to cancel (assumed: no error)
                for task in self.state.devices.get((product, name), []):
                    if _cancels(task, firmware, job):
                        task.status = "CANCELED"
        return {"Success": True}

    def _query_firmware(self, params: Mapping[str, str]) -> dict[str, Any]:
        fw = self._firmware(_required(params, "FirmwareId"))
        return {"Success": True, "FirmwareInfo": _firmware_info(fw, self.state.products)}

    def _list_unfinished(self, params: Mapping[str, str]) -> dict[str, Any]:
        product, device = self._product(params), _required(params, "DeviceName")
        wanted = _statuses(params)
        if (product, device) not in self.state.devices:
            raise IotError("iot.device.NotExistedDevice", "The device does not exist.")
        tasks = [t for t in self.state.tasks(product, device) if t.status in wanted]
        rows = [_task_info(t, self.state) for t in tasks]
        return {"Success": True, "Data": {"SimpleOTATaskInfo": rows}}

    def _list_by_job(self, params: Mapping[str, str]) -> dict[str, Any]:
        """A job's device tasks, optionally of some devices (``DeviceNames.N``) and one status.
        Names without a task in the job are simply not listed."""
        job = _required(params, "JobId")
        page, size = int(params.get("CurrentPage", "1")), int(params.get("PageSize", "10"))
        if not 1 <= size <= MAX_JOB_PAGE or page < 1 or page * size > MAX_JOB_ROWS:
            # unconfirmed code
            raise IotError("iot.common.InvalidPageParams", "Invalid page parameters.")
        names = {v for k, v in params.items() if k.startswith("DeviceNames.")}
        status = params.get("TaskStatus")
        with self.state.lock:
            tasks = [t for ts in self.state.devices.values() for t in ts if t.job_id == job]
        rows = [
            _task_info(t, self.state)
            for t in tasks
            if (not names or t.device_name in names) and status in (None, t.status)
        ]
        return {
            "Success": True,
            "Total": len(rows),
            "CurrentPage": page,
            "PageSize": size,
            "PageCount": -(-len(rows) // size),
            "Data": {"SimpleOTATaskInfo": rows[(page - 1) * size : page * size]},
        }

    def _list_firmware(self, params: Mapping[str, str]) -> dict[str, Any]:
        page, size = int(_required(params, "CurrentPage")), int(_required(params, "PageSize"))
        if not 1 <= size <= 200:  # unconfirmed code
            raise IotError("iot.common.InvalidPageParams", "PageSize must be 1 to 200.")
        items = list(self.state.firmware.values())[(page - 1) * size : page * size]
        infos = [_firmware_info(fw, self.state.products) for fw in items]
        total = len(self.state.firmware)
        return {
            "Success": True,
            "Total": total,
            "CurrentPage": page,
            "PageSize": size,
            "FirmwareInfo": {"SimpleFirmwareInfo": infos},
        }

    def _product(self, params: Mapping[str, str]) -> str:
        product = _required(params, "ProductKey")
        if product not in self.state.products:  # documented for the listing (VENDORS.md §7)
            raise IotError("iot.prod.NotExistedProduct", "The product does not exist.")
        return product

    def _firmware(self, firmware_id: str) -> Firmware:
        if firmware_id not in self.state.firmware:  # unconfirmed code
            raise IotError("iot.ota.FirmwareNotExist", "The specified firmware does not exist.")
        return self.state.firmware[firmware_id]


def device_names(params: Mapping[str, str]) -> list[str]:
    """`DeviceName.1..N`, checked: numbered from 1 without gaps, 1 to 200 of them, unique."""
    numbered = [k for k in params if k.startswith("DeviceName.")]
    names = [params.get(f"DeviceName.{i}") for i in range(1, len(numbered) + 1)]
    if not numbered:
        raise GatewayError(
            "MissingDeviceName.1", "DeviceName.1 is mandatory for this action.", status=400
        )
    if any(name is None for name in names):  # unconfirmed code
        raise IotError("iot.common.InvalidParameter", "DeviceName.N must be numbered 1 to N.")
    if len(names) > MAX_DEVICES_PER_CALL:  # unconfirmed code
        raise IotError("iot.ota.DeviceNameSizeExceeded", "At most 200 DeviceName.N per call.")
    if len(set(names)) != len(names):  # unconfirmed code
        raise IotError("iot.ota.DuplicateDeviceName", "DeviceName.N values must be unique.")
    return [name for name in names if name is not None]


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:  # the gateway's own check for parameters marked required (code unconfirmed)
        raise GatewayError(f"Missing{name}", f"{name} is mandatory for this action.", status=400)
    return value


def _statuses(params: Mapping[str, str]) -> frozenset[str]:
    listed = {v for k, v in params.items() if k.startswith("TaskStatusList.")}
    if "TaskStatus" in params:
        listed.add(params["TaskStatus"])
    if not listed:  # documented (VENDORS.md §7): one of them is required
        raise IotError(
            "iot.firmware.InvalidTaskStatus", "You must configure TaskStatusList.N or TaskStatus."
        )
    return frozenset(listed)


def _cancels(task: OtaTask, firmware_id: str, job_id: str | None) -> bool:
    in_job = job_id is None or task.job_id == job_id
    return task.firmware_id == firmware_id and in_job and task.status in CANCELLABLE


def _firmware_info(fw: Firmware, products: Mapping[str, str]) -> dict[str, Any]:
    return {
        "FirmwareId": fw.firmware_id,
        "FirmwareName": fw.name,
        "ProductKey": fw.product_key,
        "ProductName": products.get(fw.product_key, ""),
        "SrcVersion": fw.src_version,
        "DestVersion": fw.dest_version,
        "ModuleName": fw.module_name,
        "Status": 1,
        "Type": 0,
    }


def _task_info(task: OtaTask, state: OtaState) -> dict[str, Any]:
    fw = state.firmware.get(task.firmware_id)
    return {
        "TaskId": task.task_id,
        "TaskStatus": task.status,
        "FirmwareId": task.firmware_id,
        "JobId": task.job_id,
        "ProductKey": task.product_key,
        "DeviceName": task.device_name,
        "ProductName": state.products.get(task.product_key, ""),
        "SrcVersion": fw.src_version if fw else "",
        "DestVersion": fw.dest_version if fw else "",
        "ModuleName": fw.module_name if fw else "default",
    }
