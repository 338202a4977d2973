"""opsgate's own vocabulary, shared by every room of `bot/`. Pure data and rules, no I/O.

- `states`: `RequestState`, `AuditEventName` and `TRANSITIONS`, the one table of allowed moves;
- `records`: `RequestRecord`, `AuditEvent` and `PolicySnapshot`, the stored shapes;
- `refusal`: `Refusal`, `Notice` and their parts, `Approvers` (rendered only by `bot.cards`);
- `rules`: each rule about a request (threshold, duplicate, self-approval, staleness, expiry,
  overlap, reading).
"""

from bot.model.records import AuditEvent, PolicySnapshot, PolicyTerms, RequestRecord
from bot.model.refusal import (
    Anyone,
    Approvers,
    Channel,
    Code,
    Group,
    Notice,
    Part,
    Refusal,
    Sentence,
    User,
    backticked,
    listing,
    principal,
)
from bot.model.states import INITIAL_STATES, TRANSITIONS, AuditEventName, RequestState, can_move

__all__ = [
    "INITIAL_STATES",
    "TRANSITIONS",
    "Anyone",
    "Approvers",
    "AuditEvent",
    "AuditEventName",
    "Channel",
    "Code",
    "Group",
    "Notice",
    "Part",
    "PolicySnapshot",
    "PolicyTerms",
    "Refusal",
    "RequestRecord",
    "RequestState",
    "Sentence",
    "User",
    "backticked",
    "can_move",
    "listing",
    "principal",
]
