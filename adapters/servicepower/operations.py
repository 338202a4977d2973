"""ServicePower ServiceBroker operations: cancelling a scheduled job (CancelJob)."""

from __future__ import annotations

from typing import Final

from commands.identifiers import IdentifierRule
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

#: The job ``Id``: "SS: 50" in the CancelJob object format.
JOB_ID: Final = IdentifierRule(max_length=50)
CANCEL_JOB: Final = OperationSpec(
    id="servicepower.job.cancel",
    vendor="servicepower",
    resource="job",
    action="cancel",
    summary=(
        "Cancel a job in scheduling; it is removed from the schedule. "
        "The reason is sent to ServicePower as the cancellation description."
    ),
    target=TargetSpec(name="jobId", rule=JOB_ID),
    flags=(
        FlagSpec(
            name="--reason-id",
            key="reason_id",
            kind=FlagKind.NUMBER,
            metavar="<n>",
            help="the scheduling system's cancellation reason id",
        ),
    ),
    example='/ops servicepower job cancel Dep-1306 --reason-id 1 --reason "customer cancelled"',
)

#: The ServicePower operations, in help order.
OPERATIONS: Final = (CANCEL_JOB,)
