"""A local Slack for `opsgate console`: the real opsgate app, a stand-in Slack Web API on
127.0.0.1, and signed requests built exactly as Slack sends them.

Nothing is faked inside opsgate: the session signs each slash command and click, dispatches it
through Bolt (signature verification on), and the app talks to the stand-in with a real WebClient.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.registry import Plugins, installed_plugins
from bot import cards
from bot.app import ACK_THREADS, OpsgateApp, build_app
from bot.cards.home import (
    HOME_APPROVE_ACTION,
    HOME_REJECT_ACTION,
    HOME_REVIEW_ACTION,
    HOME_STOP_ACTION,
)
from bot.console.standin.payloads import (
    FORM,
    JSON,
    app_home_opened_body,
    block_action_body,
    signed_headers,
    slash_command_body,
    subteam_members_changed_body,
    view_submission_body,
)
from bot.console.standin.server import SlackStandIn
from bot.console.standin.surfaces import (
    function_executed_body,
    shortcut_body,
    submission_body,
    view_action_body,
)
from bot.policy import Policy, load_policy
from bot.settings import Settings
from bot.slack.manifest import SHORTCUT_CALLBACK, STEP_CALLBACK
from bot.store import UnreadableRequestError

#: The people of the console's pretend workspace: user id -> name.
USERS: Mapping[str, str] = {
    "U0ALICE": "alice",
    "U0BOB": "bob",
    "U0CAROL": "carol",
    "U0DAVE": "dave",
}
#: Who is in every user group the policy names (so group-based approvers work locally).
GROUP_MEMBERS = ("U0BOB", "U0CAROL")
CHANNEL = "C0OPS"
_CLIENT_TOKEN = "xoxb-opsgate-console"  # noqa: S105 - the stand-in's, not a secret
Values = dict[str, dict[str, dict[str, Any]]]
CHANNEL_NAME = "ops"

_ACTIONS = {
    "approve": cards.APPROVE_ACTION,
    "reject": cards.REJECT_ACTION,
    "withdraw": cards.WITHDRAW_ACTION,
    "again": cards.AGAIN_ACTION,
    "stop": cards.STOP_ACTION,
    "review": cards.REVIEW_ACTION,
}
#: Buttons of the App Home tab.
_TAB_ACTIONS = {
    "approve": HOME_APPROVE_ACTION,
    "reject": HOME_REJECT_ACTION,
    "review": HOME_REVIEW_ACTION,
    "stop": HOME_STOP_ACTION,
}
#: The console's user groups by handle, as `usergroups.list` names them (others: their id).
GROUP_HANDLES: Mapping[str, str] = {"S0123OPSLEADS": "ops-leads", "S0OPSLEADS": "ops-leads"}


@dataclass(frozen=True)
class AckReply:
    """What the app answered in the HTTP response itself (the ack)."""

    status: int
    message: dict[str, Any] | None


def _drained(pool: ThreadPoolExecutor, workers: int, timeout: float) -> bool:
    """Whether every job submitted to `pool` (of `workers` threads) before this call has ended:
    one job per thread, all meeting at a barrier, can only all run once the queue (first in,
    first out) has given every earlier job to a thread and each of them has finished."""
    meeting = threading.Barrier(workers + 1)
    for _ in range(workers):
        pool.submit(_meet, meeting, timeout)
    return _meet(meeting, timeout)


def _meet(meeting: threading.Barrier, timeout: float) -> bool:
    try:
        meeting.wait(timeout)
    except threading.BrokenBarrierError:
        return False
    return True


class ConsoleSession:
    """One console session. Use as a context manager; `close` stops everything."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Path,
        plugins: Plugins | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        plugins = installed_plugins() if plugins is None else plugins
        policy = load_policy(settings, catalog=plugins.catalog)
        groups = {group: list(GROUP_MEMBERS) for group in groups_in(policy, plugins.catalog.ids)}
        # The database outlives the session, so cards of earlier sessions may be updated:
        # the stand-in takes messages stamped before now as kept, as Slack keeps them.
        self.standin = SlackStandIn(
            users=USERS, groups=groups, group_handles=GROUP_HANDLES, since=clock.now()
        )
        self.standin.start()
        self._secret = secrets.token_hex(16)
        local = settings.model_copy(
            update={
                "slack_bot_token": SecretStr(_CLIENT_TOKEN),
                "slack_signing_secret": SecretStr(self._secret),
                "slack_api_url": self.standin.api_url,
                "db": db,
                # The console's log is a sandbox of its own: never keyed with the real log's key.
                "audit_key": None,
            }
        )
        try:
            self.app: OpsgateApp = build_app(
                local, plugins=plugins, clock=clock, policy=policy, sandbox=True
            )
        except BaseException:
            self.standin.stop()  # e.g. a plugin that raised building its adapter
            raise
        self.app.start_background()
        self._sequence = 0

    def __enter__(self) -> ConsoleSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish running work, then stop the app and the stand-in."""
        self.app.close()
        self.standin.stop()

    def slash(self, text: str, *, user: str, channel: str = CHANNEL) -> AckReply:
        """Send `/ops <text>` as `user`."""
        body = slash_command_body(
            text=text, user_id=user, channel_id=channel, response_url=self._response_url(user)
        )
        return self._dispatch(body, FORM)

    def click(self, action: str, request_id: str, *, user: str) -> AckReply:
        """Click a card's button (`approve`, `reject`, `withdraw`, `stop`, `review`) as `user`."""
        try:
            record = self.app.store.get(request_id)
        except UnreadableRequestError:
            record = None  # clicked all the same: the app answers that it cannot be read
        channel = record.channel if record else CHANNEL
        ts = (record.message_ts if record else None) or "0000000000.000000"
        body = block_action_body(
            action_id=_ACTIONS[action],
            value=request_id,
            user_id=user,
            channel_id=channel,
            message_ts=ts,
            response_url=self._response_url(user),
        )
        return self._dispatch(body, FORM)

    def reject(
        self, request_id: str, *, user: str, reason: str | None, in_tab: bool = False
    ) -> AckReply:
        """Click Reject as `user` (on the card, or `in_tab` in their App Home), then submit the
        Reject dialog it opens with `reason`."""
        before = len(self.standin.opened_views())
        if in_tab:
            reply = self.tab_click("reject", request_id, user=user)
        else:
            reply = self.click("reject", request_id, user=user)
        self.wait()
        opened = self.standin.opened_views()[before:]
        if not opened:  # refused, or the dialog could not open (then it rejected at once)
            return reply
        values = {cards.dialogs.REASON_BLOCK: {cards.dialogs.REASON_ACTION: reason}}
        body = view_submission_body(user_id=user, view=opened[-1], values=values)
        return self._dispatch(body, FORM)

    def shortcut(self, *, user: str) -> AckReply:
        """Use the global shortcut "Request an operation" as `user`."""
        return self._dispatch(shortcut_body(callback_id=SHORTCUT_CALLBACK, user_id=user), FORM)

    def view_action(
        self, view: dict[str, Any], action: dict[str, Any], state: Values, *, user: str
    ) -> AckReply:
        """An action inside a modal or the App Home tab (`view`), as `user`."""
        body = view_action_body(user_id=user, view=view, action=action, state=state)
        return self._dispatch(body, FORM)

    def submit(self, view: dict[str, Any], state: Values, *, user: str) -> AckReply:
        """Submit a modal with these input values, as `user`."""
        body = submission_body(
            user_id=user, view=view, state=state, response_url=self._response_url(user)
        )
        return self._dispatch(body, FORM)

    def tab_click(self, action: str, request_id: str, *, user: str) -> AckReply:
        """Click Approve, Reject or Mark reviewed on a request in `user`'s App Home tab (as
        last published)."""
        view = self.standin.home_view(user) or {"type": "home", "id": f"V{user}"}
        button = {"type": "button", "action_id": _TAB_ACTIONS[action], "value": request_id}
        return self.view_action(view, {**button, "block_id": f"home:{request_id}"}, {}, user=user)

    def run_step(self, inputs: dict[str, Any], *, execution_id: str) -> AckReply:
        """Run the Workflow Builder step ``opsgate_request`` with these inputs."""
        body = function_executed_body(
            callback_id=STEP_CALLBACK, inputs=inputs, execution_id=execution_id
        )
        return self._dispatch(body, JSON)

    def group_names(self) -> dict[str, str]:
        """User group id -> handle, as Slack's ``usergroups.list`` names them (the stand-in
        answers it), so the console shows ``@ops-leads`` where Slack would."""
        client = WebClient(token=_CLIENT_TOKEN, base_url=self.standin.api_url)
        groups = client.usergroups_list().get("usergroups") or []
        return {str(g["id"]): str(g["handle"]) for g in groups}

    def change_group(self, group_id: str, members: Sequence[str]) -> AckReply:
        """Make `members` the user group's members in the stand-in, and tell the app as Slack
        does (``subteam_members_changed``, with who was added and who removed)."""
        before = self.standin.set_group(group_id, members)
        body = subteam_members_changed_body(
            group_id=group_id,
            added=[u for u in members if u not in before],
            removed=[u for u in before if u not in members],
        )
        return self._dispatch(body, JSON)

    def upload(self, path: Path) -> dict[str, Any]:
        """Upload a local file to the stand-in, as a file input does; its Slack file object."""
        return self.standin.upload(path.name, path.read_bytes())

    def open_home(self, *, user: str) -> AckReply:
        """Open the App Home tab as `user`."""
        return self._dispatch(app_home_opened_body(user_id=user), JSON)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until the app has finished all work started so far: first the listeners Bolt
        runs after their ack (an event's, a step's), which hand their work to the runner, then
        the runner. (Waiting on the runner alone, a listener not yet started left it idle.)"""
        return _drained(self.app.bolt.listener_pool, ACK_THREADS, timeout) and (
            self.app.runner.wait_idle(timeout)
        )

    def _response_url(self, user: str) -> str:
        self._sequence += 1
        return self.standin.response_url(f"{user}-{self._sequence}")

    def _dispatch(self, body: str, content_type: str) -> AckReply:
        headers = signed_headers(body, signing_secret=self._secret, content_type=content_type)
        response = self.app.bolt.dispatch(BoltRequest(body=body, headers=dict(headers)))
        message = None
        if response.body:
            try:
                message = json.loads(response.body)
            except ValueError:
                message = {"text": response.body}
        return AckReply(status=response.status, message=message)


def groups_in(policy: Policy, operation_ids: Iterable[str]) -> list[str]:
    """Every user group id the policy names as requesters or approvers, of these operations."""
    ids: set[str] = set()
    for operation in operation_ids:
        rules = policy.for_operation(operation)
        ids.update(rules.requesters, rules.approvers)
    return sorted(i for i in ids if i.startswith("S"))
