"""The card's buttons, in every state. Pure functions from a stored request to Block Kit.

Each button's value is the request id only; everything else is loaded from the store when it
is clicked. Which buttons a card shows is the concatenation of `BUTTONS`' answers, in order:
to add a button, add one function to it.

- pending: **Approve** (danger, with a confirmation), **Reject**, **Withdraw**;
- executing a run of more than one vendor call, until a stop is asked for: **Stop**;
- a break-glass run that has ended and awaits review: **Mark reviewed**;
- expired and rejected; failed, stopped and unknown with targets to ask for (never a target
  done or unknown, nor after a failed integrity check): **Request again** (SPEC §8,
  `bot.model.rules.offers_again`), which opens the request form filled in from this request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.cards.blocks import Block, actions, button, confirm_dialog
from bot.cards.text import plural
from bot.model import RequestRecord, RequestState, rules
from bot.model.again import AGAIN_STATES as AGAIN_STATES

APPROVE_ACTION: Final = "opsgate_approve"
REJECT_ACTION: Final = "opsgate_reject"
WITHDRAW_ACTION: Final = "opsgate_withdraw"
STOP_ACTION: Final = "opsgate_stop"
REVIEW_ACTION: Final = "opsgate_review"
AGAIN_ACTION: Final = "opsgate_request_again"
#: Which cards have Request again, in words (`bot.model.rules.offers_again`).
AGAIN_CARDS: Final = (
    "failed, expired, rejected and stopped cards have one, and an unknown one that lists "
    "targets the vendor refused or never got"
)
ACTIONS_BLOCK_ID: Final = "opsgate_actions"


@dataclass(frozen=True)
class CardFacts:
    """What the buttons need to know beyond the stored request.

    Attributes:
        calls: How many vendor calls the request's run takes (`bot.model.rules.vendor_calls`).
        installed: Whether its operation is still installed (a vendor plugin uninstalled since
            the request: no Request again, `bot.model.rules.offers_again`).
    """

    calls: int = 1
    installed: bool = True


#: One kind of button: the buttons (as Block Kit dicts) a record in some state shows.
Buttons = Callable[[RequestRecord, CardFacts], list[Block]]


def actions_block(record: RequestRecord, facts: CardFacts) -> Block | None:
    """The card's buttons as one actions block, or None when it has none."""
    buttons = [element for row in BUTTONS for element in row(record, facts)]
    return actions(buttons, block_id=ACTIONS_BLOCK_ID) if buttons else None


def decision_buttons(record: RequestRecord, facts: CardFacts) -> list[Block]:
    """Approve (danger, confirmed), Reject, Withdraw, while the request is pending; no Reject
    when it needs no approvals (`approvals = 0`): only its requester decides, and every other
    click of it would be refused."""
    if record.state is not RequestState.PENDING:
        return []
    reject = [button("Reject", action_id=REJECT_ACTION, value=record.id)]
    return [
        approve_button(record, action_id=APPROVE_ACTION),
        *([] if rules.requester_confirms_alone(record.approvals_needed) else reject),
        button("Withdraw", action_id=WITHDRAW_ACTION, value=record.id),
    ]


def approve_button(record: RequestRecord, *, action_id: str) -> Block:
    """Approve: danger-styled, behind Slack's confirmation dialog saying what the click does;
    the value is the request id only (the card's, and App Home's)."""
    confirm = confirm_dialog(
        title=f"Approve {record.operation}?", text=_confirm_text(record), confirm="Approve"
    )
    return button("Approve", action_id=action_id, value=record.id, style="danger", confirm=confirm)


def stop_button(record: RequestRecord, facts: CardFacts) -> list[Block]:
    """Stop, while a run of several vendor calls is executing and nobody has asked yet."""
    if not rules.stoppable(record, calls=facts.calls):
        return []
    return [stop_element(record, action_id=STOP_ACTION)]


def stop_element(record: RequestRecord, *, action_id: str) -> Block:
    """The Stop button, with its confirmation (the card's, and App Home's)."""
    confirm = confirm_dialog(
        title=f"Stop {record.id}?",
        text=(
            "Calls not yet sent to the vendor will not be sent; calls already in flight finish. "
            "What was done is not undone."
        ),
        confirm="Stop",
        deny="Keep running",
    )
    return button("Stop", action_id=action_id, value=record.id, style="danger", confirm=confirm)


def review_button(record: RequestRecord, facts: CardFacts) -> list[Block]:
    """Mark reviewed, once a break-glass run has ended and until someone has reviewed it."""
    if not rules.awaiting_review(record):
        return []
    return [button("Mark reviewed", action_id=REVIEW_ACTION, value=record.id, style="primary")]


def again_button(record: RequestRecord, facts: CardFacts) -> list[Block]:
    """**Request again**: opens the request form filled in from this request; the value is
    the request id only. Empty for the ends where asking again makes no sense, and for an
    unknown run that left nothing known undone, and for an operation no longer installed."""
    if not rules.offers_again(record, installed=facts.installed):
        return []
    return [button("Request again", action_id=AGAIN_ACTION, value=record.id)]


#: Every card's buttons, in the order they show.
BUTTONS: Final[tuple[Buttons, ...]] = (decision_buttons, stop_button, review_button, again_button)


def _confirm_text(record: RequestRecord) -> str:
    """What this Approve click will do, given the approvals the card shows so far; for a
    sandboxed request, that it runs on the simulator (its card says nothing real changes)."""
    count = plural(len(record.targets), "target")
    left = rules.approvals_left(record)
    where = "on the vendor's simulator" if record.sandbox else "at the vendor"
    if left <= 1:  # this click completes the request: the vendor call follows at once
        then = "Nothing real changes." if record.sandbox else "It cannot be undone."
        return f"This runs {record.operation} on {count} {where}. {then}"
    have = len(rules.counted(record.approvers, record.lapsed)) + 1
    needed = rules.approvals_to_complete(record.approvals_needed)
    return (
        f"This records your approval of {record.operation} on {count} ({have} of {needed}). "
        f"It runs {where} only after {plural(left - 1, 'more approval')}."
    )
