"""Huawei OceanConnect operations: deleting a version package or a device."""

from __future__ import annotations

from typing import Final

from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

DELETE_PACKAGE: Final = OperationSpec(
    id="huawei.package.delete",
    vendor="huawei",
    resource="package",
    action="delete",
    summary="Delete a device version (upgrade) package from the IoT platform.",
    target=TargetSpec(name="fileId"),
    flags=(),
    example='/ops huawei package delete pkg-meter-fw-1.1.0 --reason "superseded by 1.2.0"',
)

DELETE_DEVICE: Final = OperationSpec(
    id="huawei.device.delete",
    vendor="huawei",
    resource="device",
    action="delete",
    summary=(
        "Delete a registered device; by default its indirectly-connected devices go with it "
        "(--no-cascade keeps them, as directly-connected devices)."
    ),
    target=TargetSpec(name="deviceId"),
    flags=(
        FlagSpec(
            name="--app",
            key="app",
            kind=FlagKind.IDENTIFIER,
            metavar="<appId>",
            help="the authorized application the device belongs to",
        ),
        FlagSpec(
            name="--no-cascade",
            key="cascade",
            kind=FlagKind.SWITCH,
            switch_value=False,
            default=True,
            help="keep the devices connected through it",
        ),
    ),
    example=(
        "/ops huawei device delete partner-dev-0001 --app partner-app "
        '--reason "meter decommissioned, CHG-1182"'
    ),
)

#: The Huawei operations, in help order.
OPERATIONS: Final = (DELETE_PACKAGE, DELETE_DEVICE)
