"""How the store lays requests and events out in rows, and the store's errors and ids.

Pure functions, no SQLite: the rest of `bot.store` runs the SQL and calls these to build and
read rows.
Timestamps are stored as ``2026-11-22T01:02:03.123456Z`` (UTC, always six fractional digits), so
comparing the strings compares the instants. JSON columns hold `canonical_json` text.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from bot.model import AuditEvent, PolicySnapshot, RequestRecord, RequestState
from bot.store.chain import canonical_json
from bot.store.incident_schema import incident_columns
from commands.model import OperationRequest

#: Crockford's base32: no I, L, O or U, so an id read aloud or retyped survives.
CROCKFORD_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


class StoreError(Exception):
    """Root of the store's errors."""


def first_line(exc: BaseException) -> str:
    """A driver's error in one line: its first, or its type when it says nothing."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or read: missing, unreadable, or not opsgate's.

    The message is one line naming the database (never its password) and what is wrong.
    """


class UnreadableEventError(StoreError):
    """A stored event that opsgate cannot read back (text that is not UTF-8, broken JSON, an
    unknown event name): it was changed outside opsgate. `verify` names what was changed.

    Attributes:
        seq: The event's seq.
    """

    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(f"event {seq} cannot be read ({problem})")
        self.seq = seq


class UnreadableRequestError(StoreError):
    """A stored request row that opsgate cannot read back (JSON, a time or a state it never
    writes, text that is not UTF-8): it was changed outside opsgate. `verify` names it.

    Attributes:
        request_id: The row's id.
        problem: What could not be read, in one line.
    """

    def __init__(self, request_id: str, problem: str) -> None:
        super().__init__(f"request {request_id} cannot be read ({problem})")
        self.request_id = request_id
        self.problem = problem


class UnknownRequestError(StoreError, LookupError):
    """No request has this id.

    Attributes:
        request_id: The id that was looked up.
    """

    def __init__(self, request_id: str) -> None:
        super().__init__(f"no request {request_id!r}")
        self.request_id = request_id


class TransitionError(StoreError):
    """A state change that `bot.model.TRANSITIONS` does not allow, or that lost a race.

    Attributes:
        request_id: The request.
        current: The state the request was in.
        to: The state it was asked to move to.
    """

    def __init__(self, request_id: str, current: RequestState, to: RequestState) -> None:
        super().__init__(f"{request_id} cannot move from {current.value} to {to.value}")
        self.request_id = request_id
        self.current = current
        self.to = to


class OverlapError(StoreError):
    """A new request names targets that a pending or executing request of the same operation
    holds (`bot.model.rules.shared_targets`); nothing was stored.

    Attributes:
        holder: The request that holds them.
        shared: The targets both name, in the new request's order.
    """

    def __init__(self, holder: RequestRecord, shared: tuple[str, ...]) -> None:
        super().__init__(f"{holder.id} ({holder.state.value}) already holds {', '.join(shared)}")
        self.holder = holder
        self.shared = shared


class AuditDetailError(StoreError, ValueError):
    """A detail, outcome, params or preview value cannot be stored as JSON.

    Attributes:
        field: Which argument held it (``"detail"``, ``"outcome"``, ...).
    """

    def __init__(self, field: str, cause: Exception) -> None:
        super().__init__(
            f"{field} must be JSON-serialisable (str, int, float, bool, None, list, "
            f"dict with str keys; no NaN): {cause}"
        )
        self.field = field


def new_request_id() -> str:
    """A fresh random request id: ``R-`` and 8 Crockford base32 characters (40 bits)."""
    return "R-" + "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(8))


def normalize_request_id(text: str) -> str:
    """Read a request id the way Crockford base32 intends: any case, O as 0, I and L as 1."""
    head, sep, tail = text.strip().upper().partition("-")
    if not sep:
        return head
    return f"{head}-{tail.translate(str.maketrans('OIL', '011'))}"


def format_time(moment: datetime) -> str:
    """A tz-aware datetime in the stored form, ``2026-11-22T01:02:03.123456Z``."""
    utc = moment.astimezone(UTC)
    # What strftime(TIME_FORMAT) writes for the years opsgate's clock reaches, five times faster.
    return f"{utc.isoformat(timespec='microseconds')[:-6]}Z"


def parse_time(text: str) -> datetime:
    """The stored form back to a tz-aware UTC datetime."""
    # fromisoformat reads the stored form (with its "Z") ~10x faster than strptime.
    return datetime.fromisoformat(text).astimezone(UTC)


def json_text(value: Any, field: str) -> str:
    """Canonical JSON of `value`.

    Raises:
        AuditDetailError: `value` holds something JSON cannot represent faithfully.
    """
    if _has_non_str_key(value):
        # json.dumps would quietly turn 1 into "1"; say so instead of storing something else.
        raise AuditDetailError(field, TypeError("object keys must be strings"))
    try:
        return canonical_json(value)
    except (TypeError, ValueError) as exc:
        raise AuditDetailError(field, exc) from exc


def request_row(
    request: OperationRequest,
    *,
    request_id: str,
    requester: str,
    channel: str,
    state: RequestState,
    approvals_needed: int,
    created: datetime,
    expires: datetime,
    preview: Mapping[str, Any] | None = None,
    sandbox: bool = False,
    policy: PolicySnapshot | None = None,
    outcome: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``requests`` row of a new request."""
    return {
        "id": request_id,
        "operation": request.operation,
        "vendor": request.vendor,
        "targets": canonical_json(list(request.targets)),
        "params": json_text(request.params, "params"),
        "reason": request.reason,
        "requester": requester,
        "channel": channel,
        "state": state.value,
        "approvals_needed": approvals_needed,
        "created_at": format_time(created),
        "expires_at": format_time(expires),
        "message_ts": None,
        "preview": None if preview is None else json_text(preview, "preview"),
        "outcome": None if outcome is None else json_text(outcome, "outcome"),
        "sandbox": int(sandbox),
        "policy": None if policy is None else canonical_json(policy.model_dump(mode="json")),
        **incident_columns(request, created=created, policy=policy, stamp=format_time),
    }


def record_from_row(
    row: Mapping[str, Any], approvers: Sequence[str], lapsed: Sequence[str] = ()
) -> RequestRecord:
    """A ``requests`` row (with its approvers in order, and those lapsed) as a record."""
    return RequestRecord.model_validate(
        {
            **row,
            "targets": json.loads(row["targets"]),
            "params": json.loads(row["params"]),
            "approvers": tuple(approvers),
            "lapsed": tuple(lapsed),
            **{column: _instant(row, column) for column in _INSTANTS + _CLAIMS},
            "preview": _optional_json(row["preview"]),
            "outcome": _optional_json(row["outcome"]),
            "sandbox": _flag(row, "sandbox"),
            "policy": _optional_json(row.get("policy")),  # a release-1 row has none
        }
    )


def event_from_row(row: Mapping[str, Any]) -> AuditEvent:
    """An ``events`` row as an `AuditEvent`."""
    return AuditEvent.model_validate(
        {**row, "targets": json.loads(row["targets"]), "detail": json.loads(row["detail"])}
    )


def _has_non_str_key(value: Any) -> bool:
    # dict, not Mapping: the encoder refuses any other mapping anyway, and the ABC check was
    # most of this walk's cost on every append.
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_non_str_key(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_non_str_key(item) for item in value)
    return False


#: The text `format_time` writes, and only that: four-digit years (strftime writes fewer below
#: 1000, which opsgate's clock never reaches), every field zero-padded, UTC as ``Z``.
_AS_WRITTEN: Final = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
)
#: A request row's instants: each NULL or written by `format_time`.
_INSTANTS: Final = ("created_at", "expires_at", "review_due_at", "reviewed_at", "stop_requested_at")
#: Its instants that a record does not hold (when a process claimed or reminded it), read
#: only to refuse a time opsgate never writes.
_CLAIMS: Final = ("remind_at", "reminded_at", "review_announced_at", "card_claimed_at")


def _instant(row: Mapping[str, Any], column: str) -> datetime | None:
    """A stored instant, read only in the form `format_time` writes: anything else (text after
    a NUL, which `fromisoformat` does not read, or another format) was written by someone else.
    """
    text = row.get(column)
    if text is None:
        return None
    moment = parse_time(text) if isinstance(text, str) else None
    # `_AS_WRITTEN` is the text `format_time` writes, and costs a tenth of writing it again.
    if moment is None or _AS_WRITTEN.fullmatch(text) is None:
        raise ValueError(f"{column}: {text!r} is not a time as opsgate writes it")
    return moment


def _flag(row: Mapping[str, Any], column: str) -> bool:
    """A stored flag, read only as the 0 or 1 opsgate writes."""
    value = row[column]
    if type(value) is not int or value not in (0, 1):
        raise ValueError(f"{column}: {value!r} is not 0 or 1")
    return bool(value)


def _optional_json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


#: The actor of events no person caused (expiry, recovery after a crash).
SYSTEM_ACTOR: Final = "system"
