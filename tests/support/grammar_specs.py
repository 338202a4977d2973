"""Small operation specs for testing the grammar engine without any real vendor.

Two fictional vendors whose operations have the shapes the engine must handle: a required
identifier flag (``acme widget delete``), an optional flag and a switch with a default
(``acme gadget delete``), a number flag and a shorter id rule (``acme order cancel``), many targets
with a vendor rule and several required flags (``globex ota-task cancel``), and no flags at all
(``initech package delete``).
"""

from __future__ import annotations

from commands.catalog import Catalog
from commands.identifiers import IdentifierRule
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

WIDGET_DELETE = OperationSpec(
    id="acme.widget.delete",
    vendor="acme",
    resource="widget",
    action="delete",
    summary="Delete a widget. Acme refuses to delete a spinning widget: stop it first.",
    target=TargetSpec(name="widgetId"),
    flags=(
        FlagSpec(
            name="--site",
            key="site",
            kind=FlagKind.IDENTIFIER,
            metavar="<siteId>",
            required=True,
            help="the site the widget belongs to",
        ),
    ),
    example='/ops acme widget delete w-6f1a2b --site s157 --reason "stale widget, INC-42"',
)

GADGET_DELETE = OperationSpec(
    id="acme.gadget.delete",
    vendor="acme",
    resource="gadget",
    action="delete",
    summary="Delete a gadget; by default its attached gadgets go with it.",
    target=TargetSpec(name="gadgetId"),
    flags=(
        FlagSpec(
            name="--app",
            key="app",
            kind=FlagKind.IDENTIFIER,
            metavar="<appId>",
            help="the application the gadget belongs to",
        ),
        FlagSpec(
            name="--no-cascade",
            key="cascade",
            kind=FlagKind.SWITCH,
            switch_value=False,
            default=True,
            help="keep the gadgets attached to it",
        ),
    ),
    example='/ops acme gadget delete g-7e2b --app Xy3kq1 --reason "decommissioned, CHG-1182"',
)

ORDER_CANCEL = OperationSpec(
    id="acme.order.cancel",
    vendor="acme",
    resource="order",
    action="cancel",
    summary="Cancel an order.",
    target=TargetSpec(name="orderId", rule=IdentifierRule(max_length=50)),
    flags=(
        FlagSpec(
            name="--reason-id",
            key="reason_id",
            kind=FlagKind.NUMBER,
            metavar="<n>",
            help="the vendor's cancellation reason id",
        ),
    ),
    example='/ops acme order cancel Dep-1306 --reason-id 1 --reason "customer cancelled"',
)

TASK_CANCEL = OperationSpec(
    id="globex.ota-task.cancel",
    vendor="globex",
    resource="ota-task",
    action="cancel",
    summary="Cancel the pending upgrade of up to 10,000 devices.",
    target=TargetSpec(
        name="deviceName",
        rule=IdentifierRule(punctuation="._:@-", min_length=4, max_length=32),
        max_count=10_000,
    ),
    flags=(
        FlagSpec(
            name="--product",
            key="product",
            kind=FlagKind.IDENTIFIER,
            metavar="<ProductKey>",
            required=True,
            help="the devices' product",
        ),
        FlagSpec(
            name="--firmware",
            key="firmware",
            kind=FlagKind.IDENTIFIER,
            metavar="<FirmwareId>",
            required=True,
            help="the upgrade package",
        ),
        FlagSpec(
            name="--job",
            key="job",
            kind=FlagKind.IDENTIFIER,
            metavar="<JobId>",
            help="only this upgrade batch",
        ),
        FlagSpec(
            name="--instance",
            key="instance",
            kind=FlagKind.IDENTIFIER,
            metavar="<InstanceId>",
            help="the instance, if not the default",
        ),
    ),
    example=(
        "/ops globex ota-task cancel meter-0412, meter-0413 --product p1 --firmware f1 "
        '--reason "bad firmware"'
    ),
)

PACKAGE_DELETE = OperationSpec(
    id="initech.package.delete",
    vendor="initech",
    resource="package",
    action="delete",
    summary="Delete an upgrade package.",
    target=TargetSpec(name="fileId"),
    flags=(),
    example='/ops initech package delete 5c3f1a2b9d8e --reason "superseded by 2.4.0"',
)

#: Every test operation, in help order.
SPECS = (WIDGET_DELETE, GADGET_DELETE, ORDER_CANCEL, TASK_CANCEL, PACKAGE_DELETE)
CATALOG = Catalog(SPECS)
