"""What `serve` needs from Slack before it starts, checked the same way by `serve` and `check`.

Both commands ask the same questions, so they can never disagree: are the credentials that
this way of serving needs set (`missing_slack_settings`), and does Slack accept the bot token
(`slack_identity`: one bounded call to ``auth.test``, every failure said in one line). In
Socket Mode, `check` also asks for a connection with the app token (`app_token_problem`:
``apps.connections.open``); `serve` does not ask beforehand, its connecting is that same call
(a Tier 1 method: a second one per start could be refused as rate-limited). Both say when
``OPSGATE_SLACK_API_URL`` would send the tokens over plain http to another machine
(`slack_in_clear`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from pydantic import SecretStr
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from adapters.cleartext import in_clear_to_another_host, in_clear_warning
from bot.settings import Settings

#: How long `serve` and `check` wait for Slack's ``auth.test`` before saying it did not answer.
SLACK_TIMEOUT_S: Final = 10

#: Where the ``auth.test`` client's own log lines go: nowhere. slack_sdk logs each failed
#: attempt (ERROR) and retry (INFO); `slack_identity` says what failed in one line of its own.
_UNHEARD: Final = logging.getLogger(f"{__name__}.auth_test")
_UNHEARD.setLevel(logging.CRITICAL + 1)

_MISSING_BOT: Final = (
    "SLACK_BOT_TOKEN is not set. Create the Slack app from manifest.yml and install it (see the "
    'README\'s "Running it in Slack"), or try `opsgate console` for a local session with no '
    "credentials."
)
_MISSING_SIGNING: Final = (
    "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack's requests (the app's "
    '"Basic Information" page shows it). For Socket Mode instead, set SLACK_APP_TOKEN.'
)


@dataclass(frozen=True)
class SlackIdentity:
    """What ``auth.test`` said, as one line.

    Attributes:
        ok: Slack accepted the token.
        detail: The workspace and bot user when ok; otherwise what went wrong and what to do.
    """

    ok: bool
    detail: str


def serves_socket_mode(settings: Settings, *, http: bool) -> bool:
    """True when `serve` would use Socket Mode: an app token is set and HTTP was not asked for."""
    return settings.slack_app_token is not None and not http


def missing_slack_settings(settings: Settings, *, socket_mode: bool) -> str | None:
    """The one line saying which Slack credential serving lacks, or None when none is missing.

    Socket Mode needs the bot and app tokens; HTTP needs the bot token and the signing secret
    (signature checking can never be off in `serve`).
    """
    if settings.slack_bot_token is None:
        return _MISSING_BOT
    if not socket_mode and settings.slack_signing_secret is None:
        return _MISSING_SIGNING
    return None


def slack_identity(settings: Settings, *, timeout: int | None = None) -> SlackIdentity:
    """Ask Slack (``auth.test``, at most `timeout` seconds, default `SLACK_TIMEOUT_S`) whether
    the bot token works.

    Never raises for an expected failure: an unreachable or silent Slack, a URL that is not
    Slack's API, or a refused token each come back as one line naming what to check.
    """
    if settings.slack_bot_token is None:
        return SlackIdentity(False, _MISSING_BOT)
    answer = _ask(settings, "auth.test", settings.slack_bot_token, "SLACK_BOT_TOKEN", timeout)
    if isinstance(answer, str):
        return SlackIdentity(False, answer)
    who = f"workspace {answer.get('team')} as {answer.get('user')}"
    return SlackIdentity(True, f"token OK for {who}")


def app_token_problem(settings: Settings, *, timeout: int | None = None) -> str | None:
    """What keeps Slack from taking SLACK_APP_TOKEN as Socket Mode's first step takes it
    (``apps.connections.open``, which `serve` calls to connect), in one line; None when Slack
    hands out a connection, or no app token is set.

    The WebSocket URL it answers with is never used: it expires unopened.
    """
    if settings.slack_app_token is None:
        return None
    token = settings.slack_app_token
    answer = _ask(settings, "apps.connections.open", token, "SLACK_APP_TOKEN", timeout)
    return answer if isinstance(answer, str) else None


def _ask(
    settings: Settings, method: str, token: SecretStr, name: str, timeout: int | None
) -> SlackResponse | str:
    """Slack's answer to `method` called with `token` (the setting `name`), or what went
    wrong in one line."""
    url = settings.slack_api_url
    timeout = timeout or SLACK_TIMEOUT_S
    client = WebClient(
        token=token.get_secret_value(), base_url=url, timeout=timeout, logger=_UNHEARD
    )
    try:
        return client.api_call(method)
    except SlackApiError as exc:
        return _refusal(exc, url, name)
    except TimeoutError:
        return f"Slack did not answer within {timeout} s at {url} (OPSGATE_SLACK_API_URL)"
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        return f"could not reach Slack at {url} (OPSGATE_SLACK_API_URL): {reason}"
    except Exception as exc:
        # The settings refuse a token no header can carry, so this is unforeseen; its text
        # (urllib's "Invalid header value b'Bearer …'") is never shown, only its kind.
        return f"could not ask Slack with {name}: the request failed ({type(exc).__name__})"


def _refusal(exc: SlackApiError, url: str, name: str) -> str:
    error = str(exc.response.get("error") or "unknown_error")
    if _answered_by_slack(exc):
        return f"Slack refused {name}: {error}"
    status = exc.response.status_code
    return (
        f"{url} answered HTTP {status} with something that is not Slack's Web API: check "
        "OPSGATE_SLACK_API_URL (default https://slack.com/api/)"
    )


def _answered_by_slack(exc: SlackApiError) -> bool:
    """True when the answer was JSON with Slack's ``ok``, as Slack's Web API always answers
    (an HTML 404 is not, and nor is another service's JSON)."""
    headers = {str(k).lower(): str(v) for k, v in (exc.response.headers or {}).items()}
    data = exc.response.data
    return "json" in headers.get("content-type", "").lower() and (
        isinstance(data, dict) and "ok" in data
    )


def slack_in_clear(settings: Settings) -> str | None:
    """The warning when ``OPSGATE_SLACK_API_URL`` is plain http to another machine (every call
    sends a token), or None; a stand-in on this machine (the console, tests) is silent."""
    if not in_clear_to_another_host(settings.slack_api_url):
        return None
    return in_clear_warning(
        "OPSGATE_SLACK_API_URL",
        "every call sends the bot token (Socket Mode's first, the app token)",
    )
