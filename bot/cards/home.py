"""The App Home tab (SPEC §10). A pure function from what the user should see to blocks.

For the user who opens it: "Waiting for you" (pending requests they may approve, each with
Approve and Reject bound to the request), "Your requests" (Stop under a run that may still be
stopped), then the other runs they may stop (an approver's), for approvers the break-glass
runs awaiting review, and what they may request (with a button that opens the request form).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from slack_sdk.models.views import View

from bot.cards.blocks import (
    Block,
    actions,
    button,
    divider,
    fit_blocks,
    header,
    lines_sections,
    section,
)
from bot.cards.buttons import stop_element
from bot.cards.history import history_line, unreviewed_line
from bot.cards.lists import HelpEntry
from bot.cards.messages import approve_button
from bot.cards.request import SANDBOX_TAG, STATE_EMOJI, reason_line
from bot.cards.sentences import mrkdwn
from bot.cards.text import clip_raw, code, escape, mention, plural, slack_date
from bot.model import Channel, RequestRecord

HOME_APPROVE_ACTION: Final = "opsgate_home_approve"
HOME_REJECT_ACTION: Final = "opsgate_home_reject"
HOME_FORM_ACTION: Final = "opsgate_home_form"
HOME_REVIEW_ACTION: Final = "opsgate_home_review"
HOME_STOP_ACTION: Final = "opsgate_home_stop"
HOME_BLOCK_LIMIT: Final = 100
#: Each waiting request takes two blocks; the rest of the tab needs room too.
MAX_WAITING: Final = 20
#: Each run the user may stop takes two blocks too: at least this many are shown, and as many
#: more as the tab's other parts leave room for within `HOME_BLOCK_LIMIT`.
MIN_RUNNING: Final = 5
#: Each break-glass run awaiting review takes two blocks too.
MAX_REVIEWABLE: Final = 10
_REASON_SHOWN: Final = 200


@dataclass(frozen=True)
class HomeContent:
    """What one user's App Home shows.

    Attributes:
        waiting: Pending requests this user may approve now, soonest deadline first.
        yours: This user's recent requests, newest first.
        operations: What this user may request.
        approver: Whether this user may approve any operation (shows the review list).
        unreviewed: Break-glass runs awaiting review, for approvers.
        stoppable: The ids of `yours` that are running and may still be stopped: each gets
            Stop (a break-glass run whose card Slack would not post has no other).
        unreviewed_total: How many break-glass runs this user may review in all, when
            `unreviewed` is only the first of them (None: just those).
        running: Other runs this user may stop (for an approver, other people's), each with
            Stop.
        now: When the tab is built: a break-glass run whose review is due by then is marked
            overdue, as `/ops history --unreviewed` marks it (None: not marked).
    """

    waiting: Sequence[RequestRecord] = ()
    yours: Sequence[RequestRecord] = ()
    operations: Sequence[HelpEntry] = ()
    approver: bool = False
    unreviewed: Sequence[RequestRecord] = field(default_factory=tuple)
    stoppable: frozenset[str] = frozenset()
    running: Sequence[RequestRecord] = ()
    unreviewed_total: int | None = None
    now: datetime | None = None


def home_view(content: HomeContent) -> dict[str, Any]:
    """The App Home tab for one user."""
    blocks: list[Block] = [header("opsgate"), *_intro(content)]
    blocks.append(header("Waiting for you"))
    blocks += _waiting(content.waiting)
    blocks.append(divider())
    blocks.append(header("Your requests"))
    blocks += _yours(content.yours, content.stoppable)
    after: list[Block] = []
    if content.approver:
        after.append(divider())
        after.append(header("Break-glass runs awaiting review"))
        after += _unreviewed(content.unreviewed, content.unreviewed_total, now=content.now)
    after.append(divider())
    after.append(header("What you can request"))
    ops = [f"{code(e.operation)}: {escape(clip_raw(e.summary, 300))}" for e in content.operations]
    after += lines_sections(ops or ["Nothing yet: ask an admin about the policy."])
    room = HOME_BLOCK_LIMIT - len(blocks) - len(after)
    blocks += _running(content.running, room=room) + after
    view = View(type="home", blocks=fit_blocks(blocks, limit=HOME_BLOCK_LIMIT))
    return view.to_dict()


def _intro(content: HomeContent) -> list[Block]:
    text = (
        "Type `/ops help` in any channel for commands, or open the request form. Requests post "
        "an approval card; teammates approve it; opsgate then calls the vendor exactly once."
    )
    blocks = lines_sections([text])
    if content.operations:
        form = button("Request an operation", action_id=HOME_FORM_ACTION)
        blocks.append(actions([form], block_id="home_form"))
    return blocks


def _waiting(records: Sequence[RequestRecord]) -> list[Block]:
    if not records:
        return lines_sections(["Nothing is waiting for your approval."])
    blocks: list[Block] = []
    for record in records[:MAX_WAITING]:
        blocks.append(section(_waiting_text(record)))
        buttons = [
            approve_button(record, action_id=HOME_APPROVE_ACTION),
            button("Reject", action_id=HOME_REJECT_ACTION, value=record.id),
        ]
        blocks.append(actions(buttons, block_id=f"home:{record.id}"))
    if len(records) > MAX_WAITING:
        more = plural(len(records) - MAX_WAITING, "more request")
        blocks += lines_sections([f"_{more} waiting: see the cards in their channels._"])
    return blocks


def _running(records: Sequence[RequestRecord], *, room: int) -> list[Block]:
    """The other runs this user may stop, each with Stop; nothing when there are none. All
    of them when they fit in `room` blocks (a header, two blocks a run); else as many as fit
    with a line counting the rest (at least `MIN_RUNNING`)."""
    if not records:
        return []
    fits = 1 + 2 * len(records) <= room
    shown = len(records) if fits else max(MIN_RUNNING, (room - 2) // 2)
    blocks: list[Block] = [header("Running: you may stop")]
    for record in records[:shown]:
        blocks.append(section(history_line(record)))
        stop = stop_element(record, action_id=HOME_STOP_ACTION)
        blocks.append(actions([stop], block_id=f"home_stop:{record.id}"))
    if len(records) > shown:
        more = plural(len(records) - shown, "more run")
        blocks += lines_sections([f"_{more} you may stop: see the cards in their channels._"])
    return blocks


def _yours(records: Sequence[RequestRecord], stoppable: frozenset[str]) -> list[Block]:
    """One line each, and Stop under a run that may still be stopped. None: the user made
    none (others' requests may exist; `/ops history --mine` says the same)."""
    if not records:
        return lines_sections(["You have made no requests yet."])
    blocks: list[Block] = []
    lines: list[str] = []
    for record in records:
        lines.append(history_line(record))
        if record.id in stoppable:
            blocks += lines_sections(lines)
            lines = []
            stop = stop_element(record, action_id=HOME_STOP_ACTION)
            blocks.append(actions([stop], block_id=f"home_stop:{record.id}"))
    return blocks + lines_sections(lines)


def _unreviewed(
    records: Sequence[RequestRecord], total: int | None, *, now: datetime | None
) -> list[Block]:
    """Each run, its incident and review deadline (overdue at `now` marked), with its own
    **Mark reviewed**: a run whose card Slack would not post has no other button to review it
    by; `total` counts them all (None: `records` are all)."""
    if not records:
        return lines_sections(["None awaiting review."])
    blocks: list[Block] = []
    for record in records[:MAX_REVIEWABLE]:
        blocks.append(section(unreviewed_line(record, now)))
        review = button("Mark reviewed", action_id=HOME_REVIEW_ACTION, value=record.id)
        blocks.append(actions([review], block_id=f"home_review:{record.id}"))
    left = max(total or 0, len(records)) - min(len(records), MAX_REVIEWABLE)
    if left > 0:
        more = plural(left, "more run")
        blocks += lines_sections([f"_{more} awaiting review: see `/ops history --unreviewed`._"])
    return blocks


def _waiting_text(record: RequestRecord) -> str:
    """``● `R-…` `op` · 3 targets · by @alice in #ops · expires <date>`` and, beneath it,
    ``*Reason:* …`` (`reason_line`); a sandboxed request says so first, as its card does
    (approving it changes nothing real)."""
    where = mrkdwn([Channel(record.channel)])
    sandbox = SANDBOX_TAG if record.sandbox else ""
    line = (
        f"{STATE_EMOJI[record.state]} {sandbox}{code(record.id)} {code(record.operation)} · "
        f"{plural(len(record.targets), 'target')} · by {mention(record.requester)} in {where} · "
        f"expires {slack_date(record.expires_at)}"
    )
    return f"{line}\n{reason_line(record.reason, limit=_REASON_SHOWN)}"
