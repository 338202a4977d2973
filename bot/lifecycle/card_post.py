"""Posting an approval card exactly once when Slack's answer may be lost.

A card's post whose connection dropped, or whose answer timed out, after it was sent may have
been posted: slack_sdk does not send it again (`bot.slack.resend`). opsgate looks for the card
in its channel (its metadata names the request) and takes it when found; when it is not there,
Slack did not post it, and it is posted once more. When Slack will not say (no answer again, a
missing ``channels:history`` scope), the card is unsettled: whether it is up is not known.
"""

from __future__ import annotations

import logging

from bot.cards import Message
from bot.slack.port import SlackPort, SlackPostError

log = logging.getLogger(__name__)

#: How many times a card is posted when each post's answer is lost and the card is not found.
POSTS: int = 2


class CardUnsettled(SlackPostError):
    """Slack may have posted the card, and could not be asked whether it did.

    Attributes:
        error: What became of the post (``TimeoutError``, ``RemoteDisconnected``).
        looked: Why the look in the channel failed (``missing_scope``, ``TimeoutError``).
    """

    def __init__(self, error: str, *, looked: str) -> None:
        super().__init__(error, unreachable=True, uncertain=True)
        self.looked = looked


def post_card(slack: SlackPort, channel: str, message: Message, request_id: str) -> str:
    """Post request `request_id`'s card in `channel`, or find it there; return its ts.

    Raises:
        CardUnsettled: a post's answer was lost and Slack would not say whether it is up.
        SlackPostError: Slack did not post the card (refused it, or was not reached).
    """
    lost = ""
    for _ in range(POSTS):
        try:
            return slack.post_card(channel, message, request_id)
        except SlackPostError as exc:
            if not exc.uncertain:
                raise
            lost = exc.error
        found = find(slack, channel, request_id, lost=lost)
        if found is not None:
            log.info("the card of %s was posted though Slack's answer was lost", request_id)
            return found
        log.info("the card of %s is not in %s (%s)", request_id, channel, lost)
    raise SlackPostError(lost, unreachable=True)  # looked each time: it is not there


def find(slack: SlackPort, channel: str, request_id: str, *, lost: str) -> str | None:
    """The ts of the card in `channel`, or None when it is not there.

    Raises:
        CardUnsettled: Slack would not say (the post's answer was `lost`).
    """
    try:
        return slack.find_card(channel, request_id)
    except SlackPostError as exc:
        log.warning("could not look for the card of %s in %s: %s", request_id, channel, exc.error)
        raise CardUnsettled(lost, looked=exc.error) from exc


def up_already(slack: SlackPort, channel: str, request_id: str) -> str | None:
    """The ts of the card of a request left without one (a post whose answer was lost, a
    process that stopped after posting), when it is up after all; None when it is not, or
    when Slack will not say (logged: the card is posted then, as one is needed to go on)."""
    try:
        return slack.find_card(channel, request_id)
    except SlackPostError as exc:
        log.warning("could not look for the card of %s: %s; posting it", request_id, exc.error)
        return None
