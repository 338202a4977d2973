"""Everything opsgate sends to Slack goes through `SlackOut`, a small port over slack_sdk.

The lifecycle talks to this port, never to `WebClient` directly, so tests can swap in a fake and
Slack's failures are handled (logged, reported to the user) in one place.
"""

from __future__ import annotations

import logging
from http.client import HTTPException
from typing import Any, Final, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.cards import Message

log = logging.getLogger(__name__)
#: slack_sdk's webhook client logs each response_url at DEBUG, and a response_url lets whoever
#: holds it post to the channel for 30 minutes: its lines below INFO are never written.
_RESPONSE_URL_LOG = logging.getLogger(f"{__name__}.response_url")
_RESPONSE_URL_LOG.setLevel(logging.INFO)


class SlackPostError(RuntimeError):
    """Slack refused to post a message (e.g. the bot is not in the channel) or open a modal,
    or could not be reached to do it.

    Attributes:
        error: Slack's error string (``not_in_channel``, ``channel_not_found``, …), or the
            kind of transport failure (``URLError``, ``TimeoutError``) when `unreachable`.
        unreachable: Slack gave no answer: nothing it said, just no message.
        uncertain: No answer, and the message had been sent whole when the connection dropped
            or the answer timed out: Slack may have posted it (never for a refusal, nor for a
            connection that failed while sending: Slack never had the message); for a card,
            also an answer saying Slack failed part way (an HTTP 5xx, `maybe_done`).
    """

    def __init__(self, error: str, *, unreachable: bool = False, uncertain: bool = False) -> None:
        said = "could not be reached" if unreachable else "refused the message"
        super().__init__(f"Slack {said}: {error}")
        self.error = error
        self.unreachable = unreachable or uncertain
        self.uncertain = uncertain


def _unreachable(exc: Exception) -> SlackPostError:
    """A transport failure (refused connection, timeout, TLS) as the error callers handle.

    urllib wraps whatever fails while the request is being sent (connecting, TLS, writing) in
    a `URLError`; what fails once it was sent, waiting for or reading the answer
    (``RemoteDisconnected``, ``ConnectionResetError``, ``TimeoutError``, an ``IncompleteRead``),
    is raised as it is: Slack may have acted on it."""
    sent = not isinstance(exc, (URLError, SlackClientError))
    return SlackPostError(type(exc).__name__, unreachable=True, uncertain=sent)


def refused(exc: SlackApiError) -> str:
    """Slack's error string; for an answer that is not Slack's JSON (a proxy's or Slack's
    edge's 5xx page), its HTTP status (``HTTP 502``), never the page itself."""
    error = exc.response.get("error")
    if not isinstance(error, str) or error.startswith(_NOT_JSON):
        return f"HTTP {exc.response.status_code}"
    return error


def maybe_done(exc: SlackApiError) -> bool:
    """Whether Slack may have done the call it answered with an error: an HTTP 5xx (a 502,
    503 or 504 from Slack's edge may come after Slack stored the message), or Slack's own
    ``internal_error``/``fatal_error`` ("some aspect of the operation" may have succeeded).
    opsgate's client has no retry of 5xx answers (slack_sdk's ServerErrorRetryHandler is not
    installed): such a call is never sent again blindly."""
    return exc.response.status_code >= 500 or exc.response.get("error") in _MAYBE_DONE


#: Slack's error strings for a call that may have been done in part (its documentation).
_MAYBE_DONE = frozenset({"internal_error", "fatal_error"})
#: How slack_sdk words an answer that was not JSON, in place of Slack's error.
_NOT_JSON = "Received a response in a non-JSON format"
#: What slack_sdk raises when Slack gives no answer, beside Slack's own refusals.
_TRANSPORT = (SlackClientError, OSError, HTTPException)
#: The ``event_type`` of the metadata on every approval card: the card names its request, so a
#: card whose post went unanswered can be found in its channel (`SlackOut.find_card`).
CARD_EVENT: Final = "opsgate_request"
#: How many of a channel's latest messages `SlackOut.find_card` reads (one call).
CARD_LOOK_BACK: Final = 100
#: chat.postEphemeral's refusals for a channel the message cannot be shown in, to that user.
_NOT_SHOWN_THERE = frozenset(
    {"not_in_channel", "user_not_in_channel", "channel_not_found", "is_archived"}
)


class SlackPort(Protocol):
    """What the lifecycle needs from Slack."""

    def post(self, channel: str, message: Message) -> str:
        """Post a channel message; return its ts. Raises `SlackPostError`."""
        ...

    def post_card(self, channel: str, message: Message, request_id: str) -> str:
        """Post request `request_id`'s approval card, naming the request in its metadata;
        return its ts. Raises `SlackPostError` (`uncertain` when it may be posted)."""
        ...

    def find_card(self, channel: str, request_id: str) -> str | None:
        """The ts of request `request_id`'s card among `channel`'s latest messages (one
        opsgate's own bot posted, naming the request in its metadata), or None. Raises
        `SlackPostError` when Slack will not say (a missing scope, no answer)."""
        ...

    def update(self, channel: str, ts: str, message: Message) -> str | None:
        """Replace a posted message in place. Never raises: returns None when Slack took it,
        otherwise Slack's error (or the transport failure), which is logged."""
        ...

    def reply(self, channel: str, thread_ts: str, message: Message, *, broadcast: bool) -> str:
        """Post in the thread of message `thread_ts`; with `broadcast`, to the channel too.
        Returns its ts. Raises `SlackPostError`."""
        ...

    def ephemeral(self, channel: str, user: str, message: Message, *, direct: bool = True) -> None:
        """Show a message to one user in a channel; where Slack will not show it there, as a
        direct message, unless `direct` is False (a DM was already refused)."""
        ...

    def respond(self, response_url: str, message: Message) -> None:
        """Answer a slash command or click through its response_url (ephemeral). Raises
        `SlackPostError`."""
        ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal for the user whose click gave `trigger_id`. Raises `SlackPostError`."""
        ...


class SlackOut:
    """`SlackPort` over a real `slack_sdk.WebClient` (pointed at Slack or the local stand-in)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        #: opsgate's own bot (user id, bot id), as ``auth.test`` said: asked once, when first
        #: needed (`find_card`).
        self._me: tuple[str, str] | None = None

    def post(self, channel: str, message: Message) -> str:
        return self._post(channel, message, metadata=None)

    def post_card(self, channel: str, message: Message, request_id: str) -> str:
        metadata = {"event_type": CARD_EVENT, "event_payload": {"request_id": request_id}}
        return self._post(channel, message, metadata=metadata)

    def _post(self, channel: str, message: Message, *, metadata: dict[str, Any] | None) -> str:
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                metadata=metadata,  # None: sent without (slack_sdk leaves out None arguments)
            )
        except SlackApiError as exc:
            maybe = metadata is not None and maybe_done(exc)  # a card: looked for, not resent
            raise SlackPostError(refused(exc), uncertain=maybe) from exc
        except _TRANSPORT as exc:
            raise _unreachable(exc) from exc
        return str(response["ts"])

    def find_card(self, channel: str, request_id: str) -> str | None:
        try:
            me = self._me or self._whoami()
            response = self._client.conversations_history(
                channel=channel, limit=CARD_LOOK_BACK, include_all_metadata=True
            )
        except SlackApiError as exc:
            raise SlackPostError(refused(exc)) from exc
        except _TRANSPORT as exc:
            raise _unreachable(exc) from exc
        for found in response.get("messages") or []:
            if card_of(found) == request_id and posted_by(found, me):
                return str(found["ts"])
        return None

    def _whoami(self) -> tuple[str, str]:
        """opsgate's bot user id and bot id (``auth.test``): whose messages are its cards."""
        answer = self._client.auth_test()
        self._me = (str(answer.get("user_id") or ""), str(answer.get("bot_id") or ""))
        return self._me

    def reply(self, channel: str, thread_ts: str, message: Message, *, broadcast: bool) -> str:
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                reply_broadcast=broadcast,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
            )
        except SlackApiError as exc:
            raise SlackPostError(refused(exc)) from exc
        except _TRANSPORT as exc:
            raise _unreachable(exc) from exc
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: Message) -> str | None:
        try:
            self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            # The card is a view of the store; a failed update loses no state. Log and go on.
            error = refused(exc)
        except _TRANSPORT as exc:
            error = type(exc).__name__
        else:
            return None
        log.warning("chat.update failed for %s/%s: %s", channel, ts, error)
        return error

    def ephemeral(self, channel: str, user: str, message: Message, *, direct: bool = True) -> None:
        """Show `message` to `user` alone in `channel`; where Slack will not (the bot or the
        user is not in it: a click in App Home on a request elsewhere), as a direct message,
        unless `direct` is False: the caller's DM to `user` was just refused."""
        try:
            self._client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            error = refused(exc)
            if direct and error in _NOT_SHOWN_THERE:
                self._direct(user, message, error=error)
                return
            log.warning("chat.postEphemeral failed for %s: %s", user, error)
        except _TRANSPORT as exc:
            log.warning("chat.postEphemeral failed for %s: %s", user, type(exc).__name__)

    def _direct(self, user: str, message: Message, *, error: str) -> None:
        try:
            self.post(user, message)
        except SlackPostError as exc:
            log.warning(
                "chat.postEphemeral failed for %s (%s), and so did a DM: %s", user, error, exc.error
            )

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            self._client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            raise SlackPostError(refused(exc)) from exc
        except _TRANSPORT as exc:  # unreachable, timed out: not opened either
            raise _unreachable(exc) from exc

    def respond(self, response_url: str, message: Message) -> None:
        try:
            response = WebhookClient(response_url, logger=_RESPONSE_URL_LOG).send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        except _TRANSPORT as exc:
            raise _unreachable(exc) from exc
        if response.status_code >= 300:  # an expired response_url answers 404
            raise SlackPostError(f"HTTP {response.status_code}")


def card_of(message: dict[str, Any]) -> str | None:
    """The request id an opsgate approval card names in its metadata; None for any other
    message."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != CARD_EVENT:
        return None
    payload = metadata.get("event_payload")
    request_id = payload.get("request_id") if isinstance(payload, dict) else None
    return request_id if isinstance(request_id, str) and message.get("ts") else None


def posted_by(message: dict[str, Any], me: tuple[str, str]) -> bool:
    """Whether opsgate's own bot (`me`: its user id and bot id) posted `message`. Any app, and
    anyone with a user token, can post a message carrying a card's metadata: only one opsgate
    posted is its card."""
    user, bot = me
    return bool(bot) and message.get("bot_id") == bot and message.get("user", user) == user
