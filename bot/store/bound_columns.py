"""What a request row's events vouch for beyond the keys its first event carries (SPEC §9).
Pure functions, no SQL; `bot.store.integrity` and `verify` compare with them.

- `same_json`: two values are the same only as JSON text: ``1`` is not ``true``, ``"1800"`` is
  not ``1800`` (Python's ``==`` says both are).
- `stored_json`: a row's JSON columns as stored, not as read (reading takes ``0`` for false and
  drops keys a policy does not have).
- `denied_columns`: a ``denied`` request's row as `Store.record_denied` always writes it.
- `stop_problem`: who asked to stop a run, against the events that name who stopped it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from adapters.base import Preview
from bot.model import RequestRecord, RequestState
from bot.model.outcomes import read_preview
from bot.store.chain import canonical_json
from bot.store.details import denial_outcome

#: States a request may be in with a Stop pressed that no event names: one still executing has
#: not ended yet; a run that failed or ended unknown as a whole logged no stopper before opsgate
#: named one there (`bot.lifecycle.execution`, `bot.store.lost`); and a run that succeeded may
#: have been stopped in the moment after its end read who had pressed Stop (an intact log must
#: never fail verify).
_STOP_UNLOGGED: Final = frozenset(
    {RequestState.EXECUTING, RequestState.FAILED, RequestState.UNKNOWN, RequestState.SUCCEEDED}
)


def same_json(stored: Any, logged: Any) -> bool:
    """True when both are the same JSON value, types included."""
    try:
        return canonical_json(stored) == canonical_json(logged)
    except (TypeError, ValueError):  # NaN or an infinity: opsgate never writes one
        return False


def stored_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's ``params`` and ``policy`` as the JSON stored in them."""
    policy = row.get("policy")  # a release-1 row has none
    return {
        "params": json.loads(row["params"]),
        "policy": None if policy is None else json.loads(policy),
    }


def rewritten_json(row: Mapping[str, Any]) -> str | None:
    """The first of a request row's JSON columns its events vouch for that is not stored as
    opsgate writes it (`canonical_json`): a duplicate key, which SQL's JSON functions read
    first and Python last, or spacing and key order changed outside opsgate."""
    for column in ("targets", "params", "policy"):
        text = row.get(column)  # a release-1 row has no policy
        if isinstance(text, str) and text != canonical_json(json.loads(text)):
            return column
    return None


def denied_columns(detail: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of a request denied at intake that its ``denied`` event does not carry, as
    `Store.record_denied` writes them: sandboxed only when the event says so (a blocked preview
    by a simulator), no approvals, no policy, no break-glass (a refused ``--break-glass`` is
    only named in the event), expired as it was made, and closed by ``system`` only when its
    preview was blocked. The preview is the event's, or none."""
    preview = detail.get("preview")
    columns: dict[str, Any] = {
        "sandbox": detail.get("sandbox") is True,
        "approvals_needed": 0,
        "policy": None,
        "break_glass": None,
        "review_due_at": None,
        "preview": preview,
        "outcome": _denial_outcome(preview),
    }
    if "created_at" in detail:
        columns["expires_at"] = detail["created_at"]
    return columns


def _denial_outcome(preview: Any) -> dict[str, Any] | None:
    """The stored outcome of a request denied with this logged preview (none without one)."""
    if preview is None:
        return None
    try:
        typed = read_preview(preview)
    except ValueError:
        return None  # a preview that does not read: the row's would not read either
    return denial_outcome(typed if isinstance(typed, Preview) else None)


def stop_problem(record: RequestRecord, stopper: str | None, *, executed: bool) -> str | None:
    """What differs between the row's stop columns and the events; None when nothing does.

    Args:
        record: The stored request.
        stopper: Who its events say stopped it (an ending event's ``stopped_by``, or a
            ``stopped`` event's actor); None when none says.
        executed: Its events include ``executing`` (only an executing run can be stopped).
    """
    asked = record.stop_requested_by
    if (asked is None) != (record.stop_requested_at is None):
        return "stop: the stored request has only one of stop_requested_by and stop_requested_at"
    if stopper is not None and asked != stopper:
        return (
            f"stop_requested_by: the stored request has {asked or 'nobody'} but its events "
            f"say {stopper} stopped it"
        )
    if stopper is None and asked is not None and not (executed and record.state in _STOP_UNLOGGED):
        return (
            f"stop_requested_by: the stored request has {asked}, but no event says anyone "
            f"stopped it and it is {record.state.value}"
        )
    return None
