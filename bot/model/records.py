"""The stored shapes: a request's record and an audit event. Pure data, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.model.outcomes import RequestOutcome, RequestPreview
from bot.model.states import AuditEventName, RequestState
from commands.model import OperationRequest, ParamValue


class PolicyTerms(Protocol):
    """What a request's policy snapshot is taken from (`bot.policy.OperationPolicy` is one)."""

    @property
    def approvals(self) -> int: ...
    @property
    def approvers(self) -> tuple[str, ...]: ...
    @property
    def self_approval(self) -> bool: ...
    @property
    def ttl(self) -> timedelta: ...
    @property
    def notify_approvers(self) -> bool: ...
    @property
    def remind(self) -> bool: ...
    @property
    def break_glass(self) -> tuple[str, ...]: ...
    @property
    def review_within(self) -> timedelta: ...


class PolicySnapshot(BaseModel):
    """The policy that applied when a request was made (SPEC §9), stored with the request and
    in its ``requested`` event, so cards and status show what applied then, not what applies now.

    Attributes:
        approvals: Distinct approvals needed; 0 means the requester confirms alone.
        approvers: Who could approve, as the policy names them (user ids, group ids, ``"*"``).
        self_approval: Whether the requester could count as an approver.
        ttl_seconds: How long the request could stay pending.
        notify_approvers: Whether its card mentions the approvers (Slack notifies them).
        remind: Whether the approvers are reminded in the card's thread at half the ttl.
        break_glass: Who could run it at once without approvals (``--break-glass``).
        review_within_seconds: How soon a break-glass run should be reviewed.

    Snapshots stored before opsgate kept the last four read back with their defaults; they
    are not "set" (pydantic's ``model_fields_set``), so comparing such a snapshot with the
    event that recorded it compares only what it recorded (`recorded`).
    """

    model_config = ConfigDict(frozen=True)

    approvals: int
    approvers: tuple[str, ...]
    self_approval: bool
    ttl_seconds: int
    notify_approvers: bool = True
    remind: bool = True
    break_glass: tuple[str, ...] = ()
    review_within_seconds: int = 24 * 3600

    @property
    def ttl(self) -> timedelta:
        """`ttl_seconds` as a timedelta."""
        return timedelta(seconds=self.ttl_seconds)

    @property
    def review_within(self) -> timedelta:
        """`review_within_seconds` as a timedelta."""
        return timedelta(seconds=self.review_within_seconds)

    def recorded(self) -> dict[str, Any]:
        """The snapshot as JSON, with only the keys it was stored with (see the class)."""
        return self.model_dump(mode="json", exclude_unset=True)

    @classmethod
    def of(cls, terms: PolicyTerms) -> PolicySnapshot:
        """Snapshot `terms` (a snapshot of a snapshot is equal to it)."""
        return cls(
            approvals=terms.approvals,
            approvers=tuple(terms.approvers),
            self_approval=terms.self_approval,
            ttl_seconds=int(terms.ttl.total_seconds()),
            notify_approvers=terms.notify_approvers,
            remind=terms.remind,
            break_glass=tuple(terms.break_glass),
            review_within_seconds=int(terms.review_within.total_seconds()),
        )


class RequestRecord(BaseModel):
    """One request as stored: what was asked, by whom, where, and how far it got.

    Attributes:
        id: Short, human-typeable id (``R-7K3F9QW2``); the only thing a button carries.
        approvals_needed: Distinct approvals required (from the policy at request time).
        approvers: User ids who approved so far, in order (every approval recorded).
        lapsed: Those of `approvers` whose approvals no longer count: when a later approval
            was counted they could not approve the request any more (`rules.counted`).
        message_ts: The approval card's Slack timestamp in `channel`, once posted.
        preview: What the preview found (`bot.model.RequestPreview`), once previewed.
        outcome: How the request ended (`bot.model.RequestOutcome`), once it has.
        sandbox: True when the vendor is the built-in simulator.
        policy: The policy that applied when it was made; None for requests stored before
            opsgate kept it, and for requests the policy refused.
        break_glass: The incident ref of a request run at once without approvals
            (``--break-glass``); None for every other request.
        review_due_at: When a break-glass request should have been reviewed by.
        reviewed_by: Who marked a break-glass request reviewed, and `reviewed_at` when.
        stop_requested_by: Who asked to stop an executing bulk request (the runner stops
            before its next call), and `stop_requested_at` when.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    operation: str
    vendor: str
    targets: tuple[str, ...]
    params: dict[str, ParamValue] = Field(default_factory=dict)
    reason: str | None = None
    requester: str
    channel: str
    state: RequestState
    approvals_needed: int
    approvers: tuple[str, ...] = ()
    lapsed: tuple[str, ...] = ()
    created_at: datetime
    expires_at: datetime
    message_ts: str | None = None
    preview: RequestPreview | None = None
    outcome: RequestOutcome | None = None
    sandbox: bool = False
    policy: PolicySnapshot | None = None
    break_glass: str | None = None
    review_due_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    stop_requested_by: str | None = None
    stop_requested_at: datetime | None = None

    def as_operation(self) -> OperationRequest:
        """The `OperationRequest` this record stores, for the adapter."""
        return OperationRequest(
            operation=self.operation,
            vendor=self.vendor,
            targets=self.targets,
            params=self.params,
            reason=self.reason,
        )


class AuditEvent(BaseModel):
    """One row of the hash-chained audit log (SPEC §4).

    `hash` = SHA-256 over `prev_hash` and the canonical JSON of every other field (`seq`
    included); `bot.store.chain` documents the exact bytes.
    """

    model_config = ConfigDict(frozen=True)

    seq: int
    at: str
    request_id: str
    event: AuditEventName
    actor: str
    operation: str
    targets: tuple[str, ...]
    detail: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str
