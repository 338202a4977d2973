"""The Reject dialog (a Slack modal): what Reject opens, and how its submission reads back.

The dialog carries the request id and the card it was opened from (channel and message ts) in
its ``private_metadata``, which Slack returns untouched in the signed submission, so the
submission is checked against the card exactly like the click was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.cards.blocks import section
from bot.cards.text import code, mention, plural
from bot.model import RequestRecord, is_channel_id
from commands.model import UsageError
from commands.values import check_reason

REJECT_DIALOG: Final = "opsgate_reject_dialog"
REASON_BLOCK: Final = "opsgate_reject_reason"
REASON_ACTION: Final = "reason"
REASON_LIMIT: Final = 500


@dataclass(frozen=True)
class RejectSubmission:
    """A submitted Reject dialog.

    Attributes:
        request_id: The request it rejects.
        channel: The channel of the card it was opened from.
        message_ts: The ts of that card.
        reason: What the rejecter typed (stripped); None when nothing.
    """

    request_id: str
    channel: str
    message_ts: str | None
    reason: str | None


class ReasonRefused(ValueError):
    """The reason typed in a Reject dialog is not one opsgate keeps (a control or bidi character:
    the same rules as `--reason`); `errors` is the dialog's answer, shown under the field."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errors = {REASON_BLOCK: message}


def reject_dialog(record: RequestRecord, *, channel: str, message_ts: str | None) -> dict[str, Any]:
    """The Reject dialog for `record`, opened from the card at `channel`/`message_ts`."""
    question = (
        f"Reject {code(record.id)}: {code(record.operation)} on "
        f"{plural(len(record.targets), 'target')}, requested by {mention(record.requester)}?"
    )
    reason = InputBlock(
        block_id=REASON_BLOCK,
        label="Why (optional)",
        optional=True,
        hint="The requester is told, and it goes on the card and in the audit log.",
        element=PlainTextInputElement(
            action_id=REASON_ACTION, multiline=True, max_length=REASON_LIMIT
        ),
    )
    metadata = {"request_id": record.id, "channel": channel, "message_ts": message_ts}
    view = View(
        type="modal",
        callback_id=REJECT_DIALOG,
        title="Reject request",
        submit="Reject",
        close="Cancel",
        private_metadata=json.dumps(metadata),
        blocks=[section(question), reason],
    )
    return view.to_dict()


def read_reject_dialog(view: dict[str, Any]) -> RejectSubmission:
    """The submission of a `reject_dialog`.

    Raises:
        ReasonRefused: The typed reason holds a character `--reason` refuses, or is too long.
        ValueError: The view is not a Reject dialog opsgate made (its metadata is unreadable).
    """
    try:
        metadata = json.loads(view.get("private_metadata") or "")
        request_id, channel = str(metadata["request_id"]), str(metadata["channel"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a Reject dialog: {exc}") from exc
    if not is_channel_id(channel):
        raise ValueError(f"not a Reject dialog: {channel[:40]!r} is not a channel id")
    ts = metadata.get("message_ts")
    values = ((view.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    # Slack holds the field to REASON_LIMIT characters; a longer value is cut, not refused.
    typed = str((values.get(REASON_ACTION) or {}).get("value") or "").strip()[:REASON_LIMIT]
    if typed:
        try:
            typed = check_reason(typed, field="The reason")
        except UsageError as exc:
            raise ReasonRefused(exc.message) from exc
    return RejectSubmission(
        request_id=request_id,
        channel=channel,
        message_ts=None if ts is None else str(ts),
        reason=typed or None,
    )
