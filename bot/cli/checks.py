"""`opsgate check`: settings and policy valid, Slack token accepted, each vendor plugin's auth
reached."""

from __future__ import annotations

from typing import TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.errors import AdapterError
from adapters.registry import Adapters, Plugins, build_adapters
from bot.policy import PolicyError, load_policy
from bot.settings import Settings


def run_checks(settings: Settings, *, plugins: Plugins, out: TextIO) -> int:
    """Print one line per check; return 0 when every check passed, 1 otherwise."""
    results = [_policy(settings, plugins), _slack(settings), *_vendors(settings, plugins)]
    for ok, name, detail in results:
        out.write(f"{'ok ' if ok else 'FAIL'}  {name}: {detail}\n")
    failed = sum(1 for ok, _, _ in results if not ok)
    out.write(
        f"\n{len(results) - failed} passed, {failed} failed\n"
        if failed
        else "\nall checks passed\n"
    )
    return 1 if failed else 0


def _policy(settings: Settings, plugins: Plugins) -> tuple[bool, str, str]:
    try:
        load_policy(settings, operation_ids=plugins.catalog.ids)
    except PolicyError as exc:
        return False, "policy", str(exc)
    return True, "policy", "valid"


def _slack(settings: Settings) -> tuple[bool, str, str]:
    if settings.slack_bot_token is None:
        return True, "slack", "no SLACK_BOT_TOKEN (only the console can run)"
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
    )
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        return False, "slack", f"token refused: {exc.response.get('error')}"
    except OSError as exc:
        return False, "slack", f"could not reach {settings.slack_api_url}: {exc}"
    return True, "slack", f"token OK for workspace {identity.get('team')} as {identity.get('user')}"


def _vendors(settings: Settings, plugins: Plugins) -> list[tuple[bool, str, str]]:
    adapters = build_adapters(plugins, settings.vendors(), sandbox=settings.sandbox)
    try:
        return _reach(adapters)
    finally:
        adapters.close()


def _reach(adapters: Adapters) -> list[tuple[bool, str, str]]:
    results = [
        (True, vendor, "not configured (its commands will say so)")
        for vendor in sorted(adapters.unconfigured)
    ]
    for vendor, adapter in sorted(adapters.by_vendor.items()):
        label = f"{vendor} (sandbox)" if adapters.is_sandboxed(vendor) else vendor
        try:
            results.append((True, label, adapter.check()))
        except AdapterError as exc:
            results.append((False, label, f"{exc.message}. {exc.next_step}".strip()))
    return results
