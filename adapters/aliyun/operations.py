"""Alibaba Cloud IoT operations: cancelling device OTA upgrade tasks (CancelOTATaskByDevice)."""

from __future__ import annotations

from typing import Final

from commands.identifiers import IdentifierRule
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

#: DeviceName: 4 to 32 characters; letters, digits, ``-``, ``_``, ``@``, ``.`` and ``:``.
DEVICE_NAME: Final = IdentifierRule(punctuation="._:@-", min_length=4, max_length=32)
#: The most devices one request may name; the adapter splits them into calls of 200.
MAX_DEVICES: Final = 10_000
#: The most devices one CancelOTATaskByDevice call takes (``DeviceName.1`` … ``.200``).
MAX_DEVICES_PER_CALL: Final = 200

CANCEL_OTA_TASK: Final = OperationSpec(
    id="aliyun.ota-task.cancel",
    vendor="aliyun",
    resource="ota-task",
    action="cancel",
    summary=(
        "Cancel the pending or pushed OTA upgrade of devices for one firmware "
        "(device names separated by spaces, commas or newlines)."
    ),
    target=TargetSpec(
        name="deviceName", rule=DEVICE_NAME, max_count=MAX_DEVICES, per_call=MAX_DEVICES_PER_CALL
    ),
    flags=(
        FlagSpec(
            name="--product",
            key="product",
            kind=FlagKind.IDENTIFIER,
            metavar="<ProductKey>",
            required=True,
            help="the ProductKey of the devices' product",
        ),
        FlagSpec(
            name="--firmware",
            key="firmware",
            kind=FlagKind.IDENTIFIER,
            metavar="<FirmwareId>",
            required=True,
            help="the OTA upgrade package (FirmwareId)",
        ),
        FlagSpec(
            name="--job",
            key="job",
            kind=FlagKind.IDENTIFIER,
            metavar="<JobId>",
            help="cancel only the tasks of this upgrade batch",
        ),
        FlagSpec(
            name="--instance",
            key="instance",
            kind=FlagKind.IDENTIFIER,
            metavar="<IotInstanceId>",
            help="the IoT instance, if not the configured default",
        ),
    ),
    example=(
        "/ops aliyun ota-task cancel thermo-{001..050} --product a1OpsThermo "
        '--firmware fw-thermo-2.1.0 --reason "bad firmware 2.1.0, INC-77"'
    ),
)

#: The Alibaba Cloud operations, in help order.
OPERATIONS: Final = (CANCEL_OTA_TASK,)
