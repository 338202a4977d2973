"""A local stand-in for the Slack Web API, for the console and end-to-end tests.

A real `slack_sdk.WebClient(base_url=standin.api_url)` talks to it over HTTP on 127.0.0.1, so the
code under test is exactly the code that talks to Slack. It answers the few methods opsgate uses
with Slack-shaped JSON, records every call in order, keeps the current version of each posted
message and modal, and serves uploaded files to the bot token. Nothing leaves the machine.
Example: ``with SlackStandIn(users={"U1": "alice"}) as slack: WebClient(token="xoxb-test",
base_url=slack.api_url).chat_postMessage(channel="C1", text="hi")``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from bot.console.standin.faults import Fault, Faults
from bot.console.standin.files import FileStore
from bot.console.standin.handler import handler_for
from bot.console.standin.methods import TEAM_ID, SlackState, answer
from bot.console.standin.wire import FILE_DOWNLOAD_METHOD, RESPONSE_URL_METHOD, RecordedCall

__all__ = ["FILE_DOWNLOAD_METHOD", "RESPONSE_URL_METHOD", "RecordedCall", "SlackStandIn"]


class SlackStandIn:
    """A Slack Web API stand-in on an ephemeral 127.0.0.1 port, served from a daemon thread.

    Args:
        users: User id -> name, for ``users.info``. When None, any user id is known by its id.
        groups: User group id -> member ids, for ``usergroups.users.list``.
        group_handles: User group id -> handle (``ops-leads``), for ``usergroups.list``.
        socket_url: The WebSocket URL ``apps.connections.open`` hands out to an app token
            (``xapp-…``), for Socket Mode tests; None answers that method as Slack does when
            Socket Mode is off.
        latency: Seconds to wait before answering each request, like a WAN round trip to Slack.
        since: When given (a Unix time: now), timestamps start there, and ``chat.update`` of
            a message stamped earlier updates it, as a workspace that outlives the stand-in
            would (the console's, whose requests persist); None: only messages posted here
            exist, from 2026-01-01.
    """

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        groups: Mapping[str, Sequence[str]] | None = None,
        socket_url: str | None = None,
        latency: float = 0.0,
        group_handles: Mapping[str, str] | None = None,
        since: float | None = None,
    ) -> None:
        self._state = SlackState(
            users=users, groups=groups, group_handles=group_handles, since=since
        )
        self.files = FileStore(team_id=TEAM_ID)
        self.socket_url = socket_url
        self.latency = latency
        self._lock = threading.Lock()
        self._calls: list[RecordedCall] = []
        self._listeners: list[Callable[[RecordedCall], None]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._rate_limited: dict[str, int] = {}
        self.faults = Faults()

    def start(self) -> SlackStandIn:
        """Start serving; returns self so ``slack = SlackStandIn().start()`` reads naturally."""
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval keeps stop() quick; the default half second adds up in tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call twice."""
        if self._server is None:
            return
        self.faults.released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; the server must be started."""
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The `WebClient` base_url: ``http://127.0.0.1:<port>/api/``."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        """A URL on this server that records POSTs, like the response_url Slack hands the app."""
        return f"{self.base_url}/response/{key}"

    @property
    def calls(self) -> list[RecordedCall]:
        """Every call so far, in arrival order (a copy, safe to iterate)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The calls to one method, in order."""
        return [c for c in self.calls if c.method == method]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current version of a posted message (after any ``chat.update``), or None."""
        with self._lock:
            return self._state.message(channel, ts)

    def opened_views(self) -> list[dict[str, Any]]:
        """Every modal opened with ``views.open``, in order (copies)."""
        with self._lock:
            return [dict(view) for view in self._state.opened_views]

    @property
    def org_install(self) -> bool:
        """Whether the app is installed at the organization level (an org token)."""
        return self._state.org_install

    @org_install.setter
    def org_install(self, value: bool) -> None:
        self._state.org_install = value

    @property
    def enterprise_id(self) -> str | None:
        """The Enterprise Grid organization of the workspace (``auth.test``); None: none."""
        return self._state.enterprise_id

    @enterprise_id.setter
    def enterprise_id(self, value: str | None) -> None:
        self._state.enterprise_id = value

    def share_channel(self, channel: str, *, pending: bool = False) -> None:
        """Share `channel` with another organization (Slack Connect), as ``conversations.info``
        then says (``is_ext_shared``; with `pending`, ``is_pending_ext_shared``: invited)."""
        with self._lock:
            self._state.ext_shared[channel] = not pending

    def refuse(self, method: str, error: str | None) -> None:
        """Answer every call of `method` with Slack's `error` (``missing_scope``…); None: answer
        it again."""
        with self._lock:
            if error is None:
                self._state.refused.pop(method, None)
            else:
                self._state.refused[method] = error

    def set_group(self, group_id: str, members: Sequence[str]) -> list[str]:
        """Make `members` the user group's members (as an admin would); the members before."""
        with self._lock:
            before = list(self._state.groups.get(group_id, []))
            self._state.groups[group_id] = list(members)
        return before

    def bot_not_in(self, channel: str) -> None:
        """Make `channel` one the bot was never invited to: posting there is ``not_in_channel``."""
        with self._lock:
            self._state.outside.add(channel)

    def upload(self, name: str, content: bytes) -> dict[str, Any]:
        """Keep a file as Slack does after an upload; its ``url_private`` (on this server)
        answers only a bot token. Returns the file object a file input hands the app."""
        with self._lock:
            return self.files.add(name, content, base_url=self.base_url)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home view last published for a user, or None."""
        with self._lock:
            return self._state.home_views.get(user_id)

    def wait_for(
        self,
        predicate: Callable[[RecordedCall], bool],
        *,
        timeout: float = 5.0,
        since: int = 0,
    ) -> RecordedCall:
        """Wait for the first call (from index `since`) that satisfies `predicate`.

        Raises:
            TimeoutError: no such call arrived within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls[since:]:
                if predicate(call):
                    return call
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no matching Slack call within {timeout}s")
            time.sleep(0.01)

    def rate_limit(self, method: str, *, times: int = 1) -> None:
        """Answer the next `times` calls of `method` as Slack does when rate limited:
        HTTP 429, ``Retry-After: 0``, ``{"ok": false, "error": "ratelimited"}``, not recorded."""
        with self._lock:
            self._rate_limited[method] = self._rate_limited.get(method, 0) + times

    def fail(self, method: str, fault: Fault, *, times: int = 1) -> None:
        """Fail the next `times` calls of `method` as a network does (`Fault`): dropped before
        Slack has the call, dropped after Slack did it, or its answer never coming."""
        self.faults.add(method, fault, times=times)

    def limited(self, method: str) -> bool:
        with self._lock:
            left = self._rate_limited.get(method, 0)
            if left:
                self._rate_limited[method] = left - 1
            return bool(left)

    def on_call(self, listener: Callable[[RecordedCall], None]) -> list[RecordedCall]:
        """Call `listener` with every call as it arrives (on the server's thread); returns the
        calls that came before, each in exactly one of the two."""
        with self._lock:
            self._listeners.append(listener)
            return list(self._calls)

    def handle(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Record a Web API call and answer it (called by the request handler)."""
        with self._lock:
            if method == "apps.connections.open":
                reply = self._connections_open(token)
            elif not (token or "").startswith("xoxb-"):
                reply = {"ok": False, "error": "invalid_auth"}
            else:
                reply = answer(self._state, method, params)
            recorded = RecordedCall(method=method, params=params)
            self._calls.append(recorded)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(recorded)
        return reply

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        """Socket Mode's first step: an app-level token gets the WebSocket URL to connect to."""
        if not (token or "").startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if self.socket_url is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_url}

    def record_response(
        self, key: str, params: dict[str, Any], *, method: str = RESPONSE_URL_METHOD
    ) -> None:
        recorded = RecordedCall(method=method, params=params, key=key)
        with self._lock:
            self._calls.append(recorded)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(recorded)
