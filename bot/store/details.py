"""What a request's first audit event holds (SPEC §9), and the stored outcome of a request
denied by its blocked preview. Pure functions over models, no SQL."""

from __future__ import annotations

from typing import Any

from adapters.base import Preview
from bot.model import ClosedOutcome, PolicySnapshot, RequestRecord
from bot.store.rows import SYSTEM_ACTOR, format_time
from commands.model import OperationRequest


def requested_detail(record: RequestRecord, policy: PolicySnapshot) -> dict[str, Any]:
    """The detail of a ``requested`` event: the whole request and the policy that applied
    (SPEC §9), so the chain alone says what may run (targets are in the event's own field)."""
    return {
        "reason": record.reason,
        "channel": record.channel,
        "params": record.params,
        "preview": None if record.preview is None else record.preview.model_dump(mode="json"),
        "sandbox": record.sandbox,
        "approvals_needed": policy.approvals,
        "created_at": format_time(record.created_at),
        "expires_at": format_time(record.expires_at),
        "policy": policy.model_dump(mode="json"),
    }


def denial_outcome(blocked: Preview | None) -> dict[str, Any] | None:
    """The stored outcome of a request denied by its blocked preview: closed by ``system``,
    with what the vendor will refuse and its code; None for a request the policy refused (whose
    `reason` the ``denied`` event keeps)."""
    if blocked is None or blocked.blocked is None:
        return None
    blocker = blocked.blocked
    closed = ClosedOutcome(by=SYSTEM_ACTOR, note=blocker.message, code=blocker.code)
    return closed.model_dump(mode="json")


def denied_detail(
    record: RequestRecord, request: OperationRequest, *, reason: str
) -> dict[str, Any]:
    """The detail of a ``denied`` first event: why, and the complete request (with its preview
    and the verdict's code when a blocked preview denied it)."""
    detail: dict[str, Any] = {
        "reason": reason,
        "request_reason": request.reason,
        "channel": record.channel,
        "params": record.params,
        "created_at": format_time(record.created_at),
    }
    if record.preview is not None:
        # Denied by `system`, so the event's actor is not the requester: the detail names them.
        detail["requester"] = record.requester
        detail["preview"] = record.preview.model_dump(mode="json")
        detail["verdict"] = record.preview.verdict.value
    if record.sandbox:  # only then: a denied event without it was never sandboxed
        detail["sandbox"] = True
    if isinstance(record.outcome, ClosedOutcome) and record.outcome.code:
        detail["code"] = record.outcome.code
    return detail
