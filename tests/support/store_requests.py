"""The requests the store's tests make: a ServicePower job cancel, as a user would ask for it,
and a log holding requests in every common shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalStatus, Store
from commands.model import OperationRequest

TWO = OperationPolicy(approvals=2, ttl=timedelta(minutes=30))
#: A chain key for keyed logs (32 bytes, as `OPSGATE_AUDIT_KEY` asks).
KEY = "k" * 32
#: The store conftest's `filed` fixture: opens a filled SQLite file, returns (store, path).
Filed = Callable[..., tuple[Store, Path]]


def cancel(job: str = "JOB-1002") -> OperationRequest:
    """Cancel ServicePower job `job`, with a reason and a parameter to compare."""
    return OperationRequest(
        operation="servicepower.job.cancel",
        vendor="servicepower",
        targets=(job,),
        params={"reason_id": 7},
        reason="duplicate job",
    )


def fill(store: Store, requests: int = 4) -> list[str]:
    """Requests in every common shape: pending, approved once of two, executed, rejected."""
    ids = []
    for number in range(requests):
        record = store.create_request(
            cancel(f"JOB-{number}"), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
        )
        ids.append(record.id)
        if number % 4 == 1:
            store.approve(record.id, approver="U0BOB")
        elif number % 4 == 2:
            store.approve(record.id, approver="U0BOB")
            result = store.approve(record.id, approver="U0CAROL")
            assert result.status is ApprovalStatus.EXECUTE
            store.transition(
                record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
            )
        elif number % 4 == 3:
            store.transition(
                record.id, to=RequestState.REJECTED, event=AuditEventName.REJECTED, actor="U0BOB"
            )
    return ids


#: The lease the two-replica tests give each replica.
LEASE = timedelta(seconds=30)

#: One EnOS delete: a request with a single vendor call.
ENOS_DELETE = OperationRequest(
    operation="enos.ota-job.delete", vendor="enos", targets=("job-1",), params={"org": "o1"}
)


def executing_delete(store: Store) -> RequestRecord:
    """`ENOS_DELETE`, approved once and so `executing` in `store` (which holds its lease)."""
    record = store.create_request(
        ENOS_DELETE, requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False
    )
    result = store.approve(record.id, approver="U2")
    assert result.status is ApprovalStatus.EXECUTE and result.record is not None
    return result.record
