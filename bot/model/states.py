"""Request states, audit event names, and the one table of allowed state changes (SPEC §2).

Every state change of a request is a move along `TRANSITIONS`; the store refuses any other
(`bot.store.Store.transition` is a compare-and-set against this table). A request is born
`pending` (a card is posted) or `denied` (the policy refused it before any card); a pending
request whose card Slack would not post ends `denied` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class RequestState(StrEnum):
    """Where a request is in its lifecycle (SPEC §2)."""

    PENDING = "pending"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    DENIED = "denied"
    STOPPED = "stopped"

    @property
    def terminal(self) -> bool:
        """True once the request is decided and no click can change it.

        `unknown` is terminal for people: only the vendor call that was in flight may still
        record its real outcome (see `TRANSITIONS`).
        """
        return self not in {RequestState.PENDING, RequestState.EXECUTING}


class AuditEventName(StrEnum):
    """The audit events of SPEC §4; appended, never updated."""

    REQUESTED = "requested"
    DENIED = "denied"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    STOPPED = "stopped"
    BREAK_GLASS = "break_glass"
    REVIEWED = "reviewed"


_S = RequestState

#: The states a request may be created in.
INITIAL_STATES: Final = frozenset({_S.PENDING, _S.DENIED})

#: Every allowed state change: ``TRANSITIONS[current]`` is where `current` may go next.
TRANSITIONS: Final[Mapping[RequestState, frozenset[RequestState]]] = MappingProxyType(
    {
        # `denied` from pending: the approval card could not be posted (the bot is not in the
        # channel, say), so nobody could ever approve it; ending it at once frees its targets.
        # `failed` from pending: at a click, the stored request disagreed with its audit record
        # (error `integrity`, SPEC §9); nothing was approved and the vendor was never called.
        _S.PENDING: frozenset(
            {_S.EXECUTING, _S.REJECTED, _S.WITHDRAWN, _S.EXPIRED, _S.DENIED, _S.FAILED}
        ),
        # `stopped`: Stop was asked for during a bulk run; calls not yet sent were never sent.
        _S.EXECUTING: frozenset({_S.SUCCEEDED, _S.FAILED, _S.UNKNOWN, _S.STOPPED}),
        # A restarting process marks calls it finds executing `unknown`; when such a call was in
        # fact still running in another live process, that process records the real outcome.
        _S.UNKNOWN: frozenset({_S.SUCCEEDED, _S.FAILED, _S.STOPPED}),
        _S.SUCCEEDED: frozenset(),
        _S.FAILED: frozenset(),
        _S.REJECTED: frozenset(),
        _S.WITHDRAWN: frozenset(),
        _S.EXPIRED: frozenset(),
        _S.DENIED: frozenset(),
        _S.STOPPED: frozenset(),
    }
)


def can_move(current: RequestState, to: RequestState) -> bool:
    """True when `TRANSITIONS` lets a request in state `current` move to `to`."""
    return to in TRANSITIONS[current]
