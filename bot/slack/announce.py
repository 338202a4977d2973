"""The audit channel (``OPSGATE_AUDIT_CHANNEL``): every ended request, announced with the chain
head, so Slack's own history witnesses the audit log (SPEC §9); and every break-glass review
(``reviewed``, SPEC §11), which comes after its request's end and moves the head past the end's
announcement: unannounced, that event would be the one part of the log Slack never witnessed.

`AuditChannel` observes the store (`bot.store.Store.subscribe`): every state change is a store
transition, so every end passes through it exactly once, whichever code path ended the request.
An announcement's ``head <seq>:<hash>`` is the ending event's own seq and hash: an anchor that
``opsgate audit verify --anchor`` checks.
"""

from __future__ import annotations

import logging

from bot.cards import Message
from bot.cards.blocks import section
from bot.cards.text import code
from bot.model import AuditEventName
from bot.slack.port import SlackPort, SlackPostError
from bot.store import Appended

log = logging.getLogger(__name__)


class AuditChannel:
    """Posts one short message per ended request, and per review, in the audit channel."""

    def __init__(self, slack: SlackPort, channel: str) -> None:
        self._slack = slack
        self._channel = channel

    def __call__(self, appended: Appended) -> None:
        """Announce `appended` if it ended its request or reviewed one; a refused post is
        logged, not raised."""
        if not (appended.ended or appended.event.event is AuditEventName.REVIEWED):
            return
        try:
            self._slack.post(self._channel, announcement(appended))
        except SlackPostError as exc:
            log.warning(
                "could not announce %s in the audit channel %s: %s",
                appended.event.request_id,
                self._channel,
                exc.error,
            )


def announcement(appended: Appended) -> Message:
    """``R-7K3F9QW2 acme.widget.delete succeeded · head 5:3fa1…`` (ids and hex only); a review
    says ``reviewed`` in place of the state."""
    event, state = appended.event, appended.moved_to
    final = state.value if state is not None else event.event.value
    text = f"{event.request_id} {event.operation} {final} · head {event.seq}:{event.hash}"
    anchor = code(f"{event.seq}:{event.hash}", limit=100)
    line = f"{code(event.request_id)} {code(event.operation)} *{final}* · head {anchor}"
    return Message(text=text, blocks=[section(line)])
