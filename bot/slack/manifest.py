"""The Slack app manifest (SPEC §7, §10): what `opsgate manifest` prints and ``manifest.yml``
holds.

Socket Mode by default. With ``http=True`` every request URL points at ``<url>/slack/events``,
the one endpoint `opsgate serve --http` listens on. It declares exactly what the code uses: the
``/ops`` command, the "Request an operation" shortcut and the request form (interactivity), the
App Home tab, the Workflow Builder step ``opsgate_request`` (a function; Slack offers custom
steps only to org-ready apps, hence ``org_deploy_enabled``), the events ``app_home_opened``,
``function_executed``, and ``subteam_members_changed`` and ``subteam_updated`` (a user group's
members changed: the policy's membership is read again; scope ``usergroups:read``), and the bot
scopes below (``channels:read`` and ``groups:read``: ``conversations.info``, asked whether a
channel in which someone of another workspace acted is shared with another organization;
``channels:history``, ``groups:history`` and ``mpim:history``: ``conversations.history``, to
find a card whose post Slack did not answer).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from typing import Any, Final
from urllib.parse import SplitResult, urlsplit

#: The bot scopes, each for what the code calls: no more.
BOT_SCOPES: Final = (
    "commands",  # the /ops slash command
    "chat:write",  # chat.postMessage / chat.update / chat.postEphemeral (cards, refusals)
    "usergroups:read",  # usergroups.users.list (policy groups of approvers and requesters)
    "users:read",  # required by SPEC §7 for user lookups; cards mention users as <@U…>
    "files:read",  # url_private of a target list uploaded in the request form
    # conversations.info: is the channel shared with another organization (Slack Connect)?
    "channels:read",  # ... for public channels
    "groups:read",  # ... for private channels
    # conversations.history: is a card whose post Slack did not answer in its channel after
    # all? (`bot.lifecycle.card_post`; the card's metadata names its request)
    "channels:history",  # ... in a public channel
    "groups:history",  # ... in a private channel
    "mpim:history",  # ... in a group DM
)
#: The global shortcut that opens the request form (`bot.slack.listeners.forms`).
SHORTCUT_CALLBACK: Final = "opsgate_request_shortcut"
#: The Workflow Builder step (`bot.slack.listeners.steps`).
STEP_CALLBACK: Final = "opsgate_request"
EVENTS_PATH: Final = "/slack/events"


def _parameter(name: str, kind: str, title: str, description: str) -> dict[str, Any]:
    return {
        "type": kind,
        "name": name,
        "title": title,
        "description": description,
        "is_required": name != "reason",
    }


STEP_FUNCTION: Final[dict[str, Any]] = {
    "title": "Request an approved operation",
    "description": "opsgate posts an approval card in the channel; the step ends when the "
    "request does, with its outcome",
    "input_parameters": {
        "operation": _parameter(
            "operation",
            "string",
            "Operation",
            "What /ops would be given before the targets: <vendor> <resource> <action> and "
            "its flags, e.g. acme widget delete --site s1",
        ),
        "targets": _parameter(
            "targets", "string", "Targets", "Separated by spaces, commas or new lines"
        ),
        "reason": _parameter("reason", "string", "Reason", "Why (the policy may require one)"),
        "channel": _parameter(
            "channel", "slack#/types/channel_id", "Channel", "Where the approval card is posted"
        ),
        "requester": _parameter(
            "requester",
            "slack#/types/user_context",
            "Requested by",
            "The person who used this workflow: the policy judges them as the requester",
        ),
    },
    "output_parameters": {
        "request_id": _parameter("request_id", "string", "Request id", "The opsgate request"),
        "state": _parameter("state", "string", "State", "How the request ended: succeeded"),
        "summary": _parameter("summary", "string", "Summary", "What the vendor confirmed"),
    },
}

_SOCKET_MODE: Final[dict[str, Any]] = {
    "display_information": {
        "name": "opsgate",
        "description": (
            "Approval-gated, audited deletes and cancels at IoT and field-service vendors."
        ),
        "background_color": "#8b1a1a",
    },
    "features": {
        "app_home": {
            "home_tab_enabled": True,
            # The requester is told the outcome in the app's Messages tab (read-only).
            "messages_tab_enabled": True,
            "messages_tab_read_only_enabled": True,
        },
        "bot_user": {"display_name": "opsgate", "always_online": True},
        "shortcuts": [
            {
                "name": "Request an operation",
                "type": "global",
                "callback_id": SHORTCUT_CALLBACK,
                "description": "Open the request form: a delete or cancel at a vendor, approved "
                "by teammates",
            }
        ],
        "slash_commands": [
            {
                "command": "/ops",
                "description": "Request a destructive vendor operation; teammates approve it",
                "usage_hint": '<vendor> <resource> <action> <targets...> --reason "why" | help',
                "should_escape": False,
            }
        ],
    },
    "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
    "settings": {
        "event_subscriptions": {
            "bot_events": [
                "app_home_opened",
                "function_executed",
                "subteam_members_changed",
                "subteam_updated",
            ]
        },
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": True,
        "socket_mode_enabled": True,
        "token_rotation_enabled": False,
        "function_runtime": "remote",
    },
    "functions": {STEP_CALLBACK: STEP_FUNCTION},
}


def build_manifest(*, http: bool = False, url: str | None = None) -> dict[str, Any]:
    """The app manifest as a dict, ready for Slack's "Create an app from a manifest".

    Args:
        http: Deliver events over HTTP (``opsgate serve --http``) instead of Socket Mode.
        url: The public base URL of the HTTP server, e.g. ``https://opsgate.example.com``.

    Raises:
        ValueError: `http` without an http(s) `url`, or a `url` without `http`.
    """
    manifest = copy.deepcopy(_SOCKET_MODE)
    if not http:
        if url is not None:
            raise ValueError("a request URL only applies to HTTP mode: add --http")
        return manifest
    endpoint = _events_url(url)
    manifest["features"]["slash_commands"][0]["url"] = endpoint
    manifest["settings"]["interactivity"]["request_url"] = endpoint
    manifest["settings"]["event_subscriptions"]["request_url"] = endpoint
    manifest["settings"]["socket_mode_enabled"] = False
    return manifest


def _events_url(url: str | None) -> str:
    """``<url>/slack/events``, after checking `url` is a public-looking http(s) base URL."""
    if not url:
        raise ValueError(
            "HTTP mode needs the public base URL Slack will call: --url https://opsgate.example.com"
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        raise ValueError(f"--url is not a URL: got {_shown(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--url must be an http:// or https:// URL, got {_shown(url)}")
    _check_host(url, parts)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        # The events path is appended to it: a query or fragment would swallow it.
        raise ValueError(f"--url is a base URL, with no ?query or #fragment: got {_shown(url)}")
    base = url.rstrip("/")
    return base if base.endswith(EVENTS_PATH) else base + EVENTS_PATH


def manifest_yaml(*, http: bool = False, url: str | None = None) -> str:
    """`build_manifest` as YAML text, in the key order Slack's own examples use.

    Raises:
        ValueError: As `build_manifest`.
    """
    manifest = build_manifest(http=http, url=url)
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency; JSON is valid YAML anyway
        return json.dumps(manifest, indent=2) + "\n"
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)


#: A host name as DNS and TLS certificates have it: letters, digits and dashes between dots.
_LABEL: Final = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_HOST_NAME: Final = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")


def _check_host(url: str, parts: SplitResult) -> None:
    """Refuse what Slack would refuse in a request URL: a user name or password, a space or a
    control character, a host that is no host name or IP address, a port that is no port."""
    if parts.username is not None or parts.password is not None:
        # never echoed: it may be a real password
        raise ValueError("--url must not hold a user name or password (user:password@)")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValueError(f"--url must not hold spaces or control characters: got {_shown(url)}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"--url has a port that is not 1 to 65535: got {_shown(url)}")
    host = parts.hostname or ""
    if not (_HOST_NAME.fullmatch(host) or _is_ip_address(host)):
        raise ValueError(f"--url must name a host (a DNS name or an IP address): got {_shown(url)}")


def _shown(url: str) -> str:
    """`url` as an error may quote it: not at all when it holds an ``@`` anywhere (a password
    with a ``#`` or ``/`` in it parses as no password, and would be echoed)."""
    return "(not shown: it may hold a password)" if "@" in url else repr(url)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
