"""The request the store's tests make: a ServicePower job cancel, as a user would ask for it."""

from __future__ import annotations

from commands.model import OperationRequest


def cancel(job: str = "JOB-1002") -> OperationRequest:
    """Cancel ServicePower job `job`, with a reason and a parameter to compare."""
    return OperationRequest(
        operation="servicepower.job.cancel",
        vendor="servicepower",
        targets=(job,),
        params={"reason_id": 7},
        reason="duplicate job",
    )
