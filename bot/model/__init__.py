"""opsgate's own vocabulary, shared by every room of `bot/`. Pure data and rules, no I/O.

- `states`: `RequestState`, `AuditEventName` and `TRANSITIONS`, the one table of allowed moves;
- `records`: `RequestRecord`, `AuditEvent` and `PolicySnapshot`, the stored shapes;
- `outcomes`: what a preview found and how a request ended (`RequestPreview`,
  `RequestOutcome`), typed unions that read release-1 rows too, and the preview's note on an
  outcome;
- `refusal`: `Refusal`, `Notice` and their parts, `Approvers` (rendered only by `bot.cards`);
- `rules`: each rule about a request (threshold, duplicate, self-approval, staleness, expiry,
  the final state of an execution, overlap, reading);
- `again`: which requests offer Request again, and which targets it asks for (a stopped,
  partly failed or unknown run's undone ones);
- `slack_ids`: the strict patterns of Slack's user, user group and channel ids.
- `shown`: untrusted text on one line of a terminal or a log, its controls escaped.
"""

from bot.model.outcomes import (
    INTEGRITY_ERROR,
    ClosedOutcome,
    FailedOutcome,
    PreviewUnavailable,
    RequestOutcome,
    RequestPreview,
    UnknownOutcome,
    as_recorded,
    confirmed_gone,
    with_preview_note,
)
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
from bot.model.slack_ids import is_channel_id, is_group_id, is_user_id
from bot.model.states import INITIAL_STATES, TRANSITIONS, AuditEventName, RequestState, can_move

__all__ = [
    "INITIAL_STATES",
    "INTEGRITY_ERROR",
    "TRANSITIONS",
    "Anyone",
    "Approvers",
    "AuditEvent",
    "AuditEventName",
    "Channel",
    "ClosedOutcome",
    "Code",
    "FailedOutcome",
    "Group",
    "Notice",
    "Part",
    "PolicySnapshot",
    "PolicyTerms",
    "PreviewUnavailable",
    "Refusal",
    "RequestOutcome",
    "RequestPreview",
    "RequestRecord",
    "RequestState",
    "Sentence",
    "UnknownOutcome",
    "User",
    "as_recorded",
    "backticked",
    "can_move",
    "confirmed_gone",
    "is_channel_id",
    "is_group_id",
    "is_user_id",
    "listing",
    "principal",
    "with_preview_note",
]
