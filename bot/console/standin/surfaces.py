"""What Slack sends from its other surfaces, built like Slack does, for the console and tests:
a global shortcut, a modal's submission, an action inside a modal or the App Home tab, and a
Workflow Builder step run. Sign them with `bot.console.standin.payloads.signed_headers`
(``FORM`` for the first three, ``JSON`` for the step).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.console.standin.payloads import (
    APP_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    new_trigger_id,
)
from bot.console.standin.views import inputs


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def shortcut_body(
    *, callback_id: str, user_id: str, team_id: str = TEAM_ID, trigger_id: str | None = None
) -> str:
    """A global shortcut (``shortcut``), form-encoded as ``payload=<json>``."""
    payload: dict[str, Any] = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{int(time.time())}.000100",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode({"payload": json.dumps(payload)})


def submission_body(
    *,
    user_id: str,
    view: dict[str, Any],
    state: dict[str, dict[str, dict[str, Any]]],
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> str:
    """A modal's submission (``view_submission``), form-encoded as ``payload=<json>``.

    Args:
        user_id: Who submitted it.
        view: The view as it stands (``views.open``/``views.update`` answer): its id,
            callback_id, private_metadata…
        state: ``view.state.values`` as Slack sends it: block_id -> action_id -> element
            state (`bot.console.standin.views.state_values` builds it from answers).
        response_url: Handed out, as Slack does, for the conversation chosen in a
            conversation select with ``response_url_enabled`` (in ``response_urls``).
    """
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {**view, "state": {"values": state}},
        "response_urls": _response_urls(view, state, response_url),
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def _response_urls(
    view: dict[str, Any], state: dict[str, dict[str, dict[str, Any]]], url: str | None
) -> list[dict[str, Any]]:
    """Slack's ``response_urls``: one per conversation select with ``response_url_enabled``
    in which a conversation was chosen."""
    found = []
    for item in inputs(view):
        chosen = (state.get(item.block_id) or {}).get(item.action_id) or {}
        channel = chosen.get("selected_conversation")
        if url and item.element.get("response_url_enabled") and channel:
            found.append(
                {
                    "block_id": item.block_id,
                    "action_id": item.action_id,
                    "channel_id": channel,
                    "response_url": url,
                }
            )
    return found


def view_action_body(
    *,
    user_id: str,
    view: dict[str, Any],
    action: dict[str, Any],
    state: dict[str, dict[str, dict[str, Any]]] | None = None,
    team_id: str = TEAM_ID,
) -> str:
    """An action inside a view (``block_actions`` from a modal or the App Home tab), as
    ``payload=<json>``: a changed select (``dispatch_action``) or a tab's button.

    Args:
        view: The view it happened in (its ``type`` is ``modal`` or ``home``).
        action: The action as Slack reports it (``action_id``, ``block_id``, ``type``, and
            ``value`` or ``selected_option``).
        state: The view's input values at that moment.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id")},
        "trigger_id": new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {**view, "state": {"values": state or {}}},
        "actions": [{**action, "action_ts": f"{int(time.time())}.000200"}],
    }
    return urlencode({"payload": json.dumps(payload)})


def function_executed_body(
    *,
    callback_id: str,
    inputs: dict[str, Any],
    execution_id: str,
    team_id: str = TEAM_ID,
) -> str:
    """A workflow step run (``function_executed``), as JSON: the step's inputs, its execution
    id, and the short-lived token Slack hands each execution."""
    event_time = int(time.time())
    event = {
        "type": "function_executed",
        "function": {
            "id": f"Fn{callback_id.upper()[:10]}",
            "callback_id": callback_id,
            "title": callback_id,
            "type": "app",
            "app_id": APP_ID,
        },
        "inputs": inputs,
        "function_execution_id": execution_id,
        "workflow_execution_id": f"Wx{execution_id}",
        "event_ts": f"{event_time}.000300",
        "bot_access_token": f"xwfp-{team_id}-{execution_id}",
    }
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{execution_id}",
        "event_time": event_time,
        "authorizations": [
            {"team_id": team_id, "user_id": "U0OPSGATE", "is_bot": True, "enterprise_id": None}
        ],
    }
    return json.dumps(body)
