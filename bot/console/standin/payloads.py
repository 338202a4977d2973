"""What Slack sends to the app, built and signed like Slack does, for the console and tests.

Each builder returns the exact request body Slack would POST (form-encoded for slash commands,
``payload=<json>`` for interactivity, JSON for events); `signed_headers` adds the
``x-slack-signature`` that Bolt verifies, computed by slack_sdk's own `SignatureVerifier`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0OPSGATE"
APP_ID = "A0OPSGATE"
TEAM_DOMAIN = "opsgate"
# Slack sends a verification token too; Bolt ignores it in favour of the signature.
VERIFICATION_TOKEN = "opsgate-standin-token"  # noqa: S105 - not a secret, Bolt ignores it
TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"
FORM = "application/x-www-form-urlencoded"
#: What Slack leaves unescaped in a slash command's text: mentions of a user, a channel or a
#: user group, which it sends as markup (``<@U…>``, ``<#C…|name>``, ``<!subteam^S…>``).
_MENTION = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+)(?:\|[^<>]*)?>")
JSON = "application/json"


def slash_command_body(
    *,
    text: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    command: str = "/ops",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> str:
    """A slash command invocation, form-encoded with the fields Slack sends.

    Each invocation gets a fresh ``trigger_id`` unless one is given, as in Slack, where opsgate
    processes each trigger id once: to replay a command, send the same body again.
    `text` is what the user typed: like Slack, the body carries it with ``&``, ``<`` and ``>``
    HTML-escaped (`slack_escaped`), mentions typed as markup (``<@U0BOB>``) left as they are.
    """
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": slack_escaped(text),
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields)


def slack_escaped(text: str) -> str:
    """`text` as Slack sends a slash command's: ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;``
    and ``&gt;``, except in user, channel and user group mentions, which stay markup.

    A view submission's and a Workflow step's inputs arrive as typed: only slash text is escaped.
    """
    out: list[str] = []
    pos = 0
    for mention in _MENTION.finditer(text):
        out.extend((_escape(text[pos : mention.start()]), mention.group()))
        pos = mention.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (``<digits>.<digits>.<hex>``), unique per call."""
    return f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"


def block_action_body(
    *,
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    team_id: str = TEAM_ID,
) -> str:
    """A button click (``block_actions``), form-encoded as ``payload=<json>`` like Slack."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": team_id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": TRIGGER_ID,
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "message": {"type": "message", "ts": message_ts, "user": "U0OPSGATE", "text": ""},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_button_action(action_id, value, message_ts)],
    }
    return urlencode({"payload": json.dumps(payload)})


def _button_action(action_id: str, value: str, message_ts: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": "opsgate_actions",
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "value": value,
        "action_ts": message_ts,
    }


def view_submission_body(
    *,
    user_id: str,
    view: dict[str, Any],
    values: dict[str, dict[str, str | None]],
    team_id: str = TEAM_ID,
) -> str:
    """A modal's submission (``view_submission``), form-encoded as ``payload=<json>``.

    Args:
        user_id: Who submitted it.
        view: The view as opened (``views.open``'s answer): its callback_id, private_metadata…
        values: What was typed: block_id -> {action_id: value} (plain text inputs).
    """
    state = {
        block: {action: {"type": "plain_text_input", "value": value}}
        for block, inputs in values.items()
        for action, value in inputs.items()
    }
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower()},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": TRIGGER_ID,
        "view": {**view, "state": {"values": state}, "hash": "1767225600.standin"},
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def app_home_opened_body(*, user_id: str, team_id: str = TEAM_ID) -> str:
    """An ``app_home_opened`` event callback, as JSON."""
    event_time = int(time.time())
    event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id}",
        "tab": "home",
        "event_ts": f"{event_time}.000100",
    }
    return _event_callback(event, event_id=f"Ev{user_id}{event_time}", team_id=team_id)


def subteam_members_changed_body(
    *, group_id: str, added: Sequence[str], removed: Sequence[str], team_id: str = TEAM_ID
) -> str:
    """A ``subteam_members_changed`` event callback (a user group's members changed), as JSON,
    with Slack's counts as strings, as its example shows them."""
    event_time = int(time.time())
    event = {
        "type": "subteam_members_changed",
        "subteam_id": group_id,
        "team_id": team_id,
        "date_previous_update": event_time - 60,
        "date_update": event_time,
        "added_users": list(added),
        "added_users_count": str(len(added)),
        "removed_users": list(removed),
        "removed_users_count": str(len(removed)),
        "event_ts": f"{event_time}.000200",
    }
    return _event_callback(event, event_id=f"Ev{group_id}{event_time}", team_id=team_id)


def _event_callback(event: dict[str, Any], *, event_id: str, team_id: str) -> str:
    """`event` in the Events API's envelope, as JSON."""
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": "U0OPSGATE",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(body)


def signed_headers(
    body: str, *, signing_secret: str, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """The headers Slack signs a request with (``v0=`` HMAC-SHA256 of ``v0:<ts>:<body>``).

    Args:
        body: The exact request body.
        signing_secret: The app's signing secret.
        timestamp: Seconds since the epoch; now by default (Bolt refuses stale timestamps).
        content_type: ``FORM`` for commands and actions, ``JSON`` for events.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    if signature is None:  # slack_sdk only returns None for a missing timestamp
        raise ValueError("could not sign the request")
    return {
        "x-slack-signature": signature,
        "x-slack-request-timestamp": ts,
        "content-type": content_type,
    }
