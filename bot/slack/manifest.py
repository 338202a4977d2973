"""The Slack app manifest (SPEC §7): what `opsgate manifest` prints and ``manifest.yml`` holds.

Socket Mode by default. With ``http=True`` every request URL points at ``<url>/slack/events``,
the one endpoint `opsgate serve --http` listens on.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Final
from urllib.parse import urlsplit

#: The bot scopes, each for what the code calls: no more.
BOT_SCOPES: Final = (
    "commands",  # the /ops slash command
    "chat:write",  # chat.postMessage / chat.update / chat.postEphemeral (cards, refusals)
    "usergroups:read",  # usergroups.users.list (policy groups of approvers and requesters)
    "users:read",  # required by SPEC §7 for user lookups; cards mention users as <@U…>
)
EVENTS_PATH: Final = "/slack/events"

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
        "event_subscriptions": {"bot_events": ["app_home_opened"]},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": True,
        "token_rotation_enabled": False,
    },
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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--url must be an http:// or https:// URL, got {url!r}")
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
