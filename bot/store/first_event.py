"""What a request's first event records of it, and the stored request in the same shape, for
`bot.store.integrity.request_problem` to compare key by key (SPEC §9).

A ``requested`` detail written by release 1 holds no ``break_glass`` nor ``review_due_at``:
release 1 had no break-glass, so such a request ran without one, and its first event reads as
recording neither (null). Keys recorded later still (``created_at``) are left out when absent.
"""

from __future__ import annotations

from typing import Any, Final

from bot.model import AuditEvent, AuditEventName, RequestRecord
from bot.model.outcomes import read_preview
from bot.store.bound_columns import denied_columns
from bot.store.rows import format_time

#: How each `requested` detail key reads from a stored request.
_REQUESTED_KEYS: Final = (
    *("reason", "channel", "params", "preview", "sandbox", "approvals_needed"),
    *("created_at", "expires_at", "policy", "break_glass", "review_due_at"),
)
#: Keys a release-1 ``requested`` detail lacks, and the value that absence records.
_RELEASE_2_ONLY: Final = ("break_glass", "review_due_at")


def request_view(record: RequestRecord) -> dict[str, Any]:
    """The stored request in the shape of `event_view`."""
    due = record.review_due_at
    detail_values: dict[str, Any] = {
        "reason": record.reason,
        "channel": record.channel,
        "params": dict(record.params),
        "preview": None if record.preview is None else record.preview.model_dump(mode="json"),
        "sandbox": record.sandbox,
        "approvals_needed": record.approvals_needed,
        "created_at": format_time(record.created_at),
        "expires_at": format_time(record.expires_at),
        "policy": None if record.policy is None else record.policy.recorded(),
        "break_glass": record.break_glass,
        "review_due_at": None if due is None else format_time(due),
        "outcome": None if record.outcome is None else record.outcome.model_dump(mode="json"),
    }
    return {
        "operation": record.operation,
        "targets": list(record.targets),
        "requester": record.requester,
        **detail_values,
    }


def event_view(first: AuditEvent) -> dict[str, Any]:
    """What the first event records of the request: the keys it carries, and a release-1
    ``requested`` event's null break-glass and review deadline."""
    detail = first.detail
    view: dict[str, Any] = {
        "operation": first.operation,
        "targets": list(first.targets),
        "requester": first.actor,
    }
    if first.event is AuditEventName.REQUESTED:
        view.update({key: detail[key] for key in _REQUESTED_KEYS if key in detail})
        view.update({key: None for key in _RELEASE_2_ONLY if key not in detail})
    else:
        # `denied` at intake: its `reason` is the policy's; the requester's is `request_reason`.
        # Denied by `system` (a blocked preview), its detail names the requester. The columns
        # it does not carry hold what opsgate always writes for a denied request.
        carried = ("channel", "params", "requester", "created_at")
        view.update({key: detail[key] for key in carried if key in detail})
        view.update(denied_columns(detail))
        if "request_reason" in detail:
            view["reason"] = detail["request_reason"]
    if view.get("preview") is not None:  # read as the store reads it, whatever its release
        view["preview"] = _as_read(view["preview"])
    return view


def _as_read(preview: Any) -> Any:
    """A logged preview as the stored request's preview reads back (typed, then dumped), so
    a release-1 preview compares equal to itself; one that does not read stays as logged."""
    try:
        return read_preview(preview).model_dump(mode="json")
    except ValueError:
        return preview
