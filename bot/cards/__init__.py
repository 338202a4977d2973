"""Block Kit rendering: pure functions from models to blocks, no I/O.

`messages` holds every message opsgate sends (the approval card in each state, dry runs,
refusals, notices, the private answer to a blocked request); `request`, `preview` (the
verdict, warnings and facts) and `outcome` the parts of a card; `lists` help and status;
`history` the `/ops history` lists; `home` the App Home tab; `form` and `form_state` the
request modal; `dialogs` the Reject dialog; `steps` what a Workflow Builder step reports;
`sentences` renders refusals, notices and "who may approve" (the only place that does);
`blocks` and `text` the builders and escaping underneath them all.
"""

from bot.cards.blocks import Message
from bot.cards.dialogs import (
    REJECT_DIALOG,
    ReasonRefused,
    RejectSubmission,
    read_reject_dialog,
    reject_dialog,
)
from bot.cards.history import history_message
from bot.cards.home import HomeContent, home_view
from bot.cards.lists import HelpEntry, help_message, status_message
from bot.cards.messages import (
    AGAIN_ACTION,
    APPROVE_ACTION,
    REJECT_ACTION,
    REVIEW_ACTION,
    STOP_ACTION,
    WITHDRAW_ACTION,
    CardFacts,
    blocked_message,
    dry_run_message,
    notice_message,
    refusal_message,
    request_card,
    requester_notice,
    usage_message,
    warning_message,
)
from bot.cards.sentences import mrkdwn, plain
from bot.cards.text import escape

__all__ = [
    "AGAIN_ACTION",
    "APPROVE_ACTION",
    "REJECT_ACTION",
    "REJECT_DIALOG",
    "REVIEW_ACTION",
    "STOP_ACTION",
    "WITHDRAW_ACTION",
    "CardFacts",
    "HelpEntry",
    "HomeContent",
    "Message",
    "ReasonRefused",
    "RejectSubmission",
    "blocked_message",
    "dry_run_message",
    "escape",
    "help_message",
    "history_message",
    "home_view",
    "mrkdwn",
    "notice_message",
    "plain",
    "read_reject_dialog",
    "refusal_message",
    "reject_dialog",
    "request_card",
    "requester_notice",
    "status_message",
    "usage_message",
    "warning_message",
]
