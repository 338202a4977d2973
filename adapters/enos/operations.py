"""Envision EnOS operations: deleting an OTA job (connect-service v2.1)."""

from __future__ import annotations

from typing import Final

from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

DELETE_OTA_JOB: Final = OperationSpec(
    id="enos.ota-job.delete",
    vendor="enos",
    resource="ota-job",
    action="delete",
    summary="Delete an EnOS OTA job. EnOS refuses to delete a running job: stop it first.",
    target=TargetSpec(name="jobId"),
    flags=(
        FlagSpec(
            name="--org",
            key="org",
            kind=FlagKind.IDENTIFIER,
            metavar="<orgId>",
            required=True,
            help="the organization the job belongs to",
        ),
    ),
    example=(
        '/ops enos ota-job delete otajob-7d2c1e --org o15724268424841 --reason "stale job, INC-42"'
    ),
)

#: The EnOS operations, in help order.
OPERATIONS: Final = (DELETE_OTA_JOB,)
