"""Text holding a NUL character, which the store refuses on both engines (`refuse_nul`).

PostgreSQL's text cannot hold one, and SQLite's own functions stop reading at one (`verify`
treats text hidden behind a NUL as tampering). Nothing opsgate reads from a person can carry one
(its parsers refuse control characters), but a vendor plugin, or a bug, can pass one: the write
is then refused before anything is written, on SQLite as on PostgreSQL, so the two engines'
logs never differ. Text inside JSON (a request's parameters, an outcome, an event's detail) is
stored escaped (``\\u0000``), the same on both, and is not refused: a vendor's answer is kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import INITIAL_STATES, RequestState
from bot.store.rows import StoreError
from commands.model import OperationRequest


class UnstorableText(StoreError):
    """A text the store was asked to write holds a NUL character; nothing was written.

    Attributes:
        field: Which text: ``reason``, ``targets``, ``actor``, …
    """

    def __init__(self, field: str) -> None:
        super().__init__(
            f"a NUL character in the {field}: opsgate does not store one; nothing was written"
        )
        self.field = field


def admissible(
    request: OperationRequest, state: RequestState, *, requester: str, channel: str
) -> None:
    """Raise unless a new request may start in `state` (`StoreError`) and none of the texts
    stored as they are (not inside JSON) holds a NUL character (`UnstorableText`)."""
    if state not in INITIAL_STATES:
        raise StoreError(f"a request cannot start {state.value}")
    refuse_nul(
        operation=request.operation,
        vendor=request.vendor,
        targets=request.targets,
        reason=request.reason,
        requester=requester,
        channel=channel,
    )


def refuse_nul(**texts: str | Iterable[str] | None) -> None:
    """Raise `UnstorableText` naming the first of `texts` (each a text, several, or None)
    that holds a NUL character."""
    for field, value in texts.items():
        values = (value,) if value is None or isinstance(value, str) else tuple(value)
        if any(text is not None and "\x00" in text for text in values):
            raise UnstorableText(field)
