"""Test support for lifecycle tests.

The real store, policy, adapters (simulators) and runner, with a fake clock and a hand-written
fake of our own `SlackPort`.
"""

from __future__ import annotations

import json
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.registry import Adapters, build_adapters, installed_plugins
from bot.cards import Message
from bot.lifecycle import Origin, RequestService, Services
from bot.lifecycle.workers import Runner
from bot.policy import Policy, parse_policy
from bot.slack.port import SlackPostError
from bot.store import Store
from commands.model import OperationRequest

ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
CHANNEL = "C0OPS"
LEADS = "S0OPSLEADS"


@dataclass
class Posted:
    kind: str  # post | update | ephemeral | respond | reply | broadcast
    target: str  # channel, "channel/ts", "channel/user", or response_url
    message: Message


@dataclass
class FakeSlack:
    """Records everything opsgate sends; `refuse_posts` makes chat.postMessage fail,
    `refuse_views` views.open, and `unreachable` makes Slack give no answer at all to posts
    and response_urls."""

    sent: list[Posted] = field(default_factory=list)
    views: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refuse_posts: str | None = None
    refuse_dms: bool = False
    refuse_views: str | None = None
    unreachable: bool = False
    #: Each ephemeral's "channel/user", asked not to fall back to a DM (`direct=False`).
    no_dm_fallback: list[str] = field(default_factory=list)
    _ts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, channel: str, message: Message) -> str:
        if self.unreachable:
            raise SlackPostError("URLError", unreachable=True)
        if self.refuse_posts and channel.startswith(("C", "D", "G")):
            raise SlackPostError(self.refuse_posts)
        if self.refuse_dms and channel.startswith("U"):
            raise SlackPostError("cannot_dm_user")
        with self._lock:
            self._ts += 1
            self.sent.append(Posted("post", channel, message))
            return f"1767225600.{self._ts:06d}"

    def post_card(self, channel: str, message: Message, request_id: str) -> str:
        return self.post(channel, message)

    def find_card(self, channel: str, request_id: str) -> str | None:
        """No card is found: a fake's posts are answered, so none is looked for but by a
        sweep, which then posts it."""
        return None

    def update(self, channel: str, ts: str, message: Message) -> None:
        with self._lock:
            self.sent.append(Posted("update", f"{channel}/{ts}", message))

    def reply(self, channel: str, thread_ts: str, message: Message, *, broadcast: bool) -> str:
        """A thread reply is recorded as kind "reply" (or "broadcast"), to "channel/thread_ts"."""
        if self.refuse_posts:
            raise SlackPostError(self.refuse_posts)
        with self._lock:
            self._ts += 1
            kind = "broadcast" if broadcast else "reply"
            self.sent.append(Posted(kind, f"{channel}/{thread_ts}", message))
            return f"1767225600.{self._ts:06d}"

    def ephemeral(self, channel: str, user: str, message: Message, *, direct: bool = True) -> None:
        with self._lock:
            if not direct:
                self.no_dm_fallback.append(f"{channel}/{user}")
            self.sent.append(Posted("ephemeral", f"{channel}/{user}", message))

    def respond(self, response_url: str, message: Message) -> None:
        if self.unreachable:
            raise SlackPostError("URLError", unreachable=True)
        with self._lock:
            self.sent.append(Posted("respond", response_url, message))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        if self.refuse_views:
            raise SlackPostError(self.refuse_views)
        with self._lock:
            self.views.append((trigger_id, view))

    def of(self, kind: str) -> list[Posted]:
        with self._lock:
            return [p for p in self.sent if p.kind == kind]

    def last_text_to(self, user: str) -> str:
        """The last ephemeral (or response_url) text shown to `user`."""
        for p in reversed(self.sent):
            if p.kind in {"ephemeral", "respond"} and (p.target.endswith(user) or user in p.target):
                return p.message.text
        raise AssertionError(f"nothing was shown to {user}")


class FakeDirectory:
    def __init__(self, groups: dict[str, frozenset[str]] | None = None) -> None:
        self.groups = groups or {LEADS: frozenset({BOB, CAROL})}

    def members(self, group_id: str) -> frozenset[str]:
        return self.groups.get(group_id, frozenset())

    def outsider(self, user_id: str) -> bool:
        return False


@dataclass
class World:
    """One opsgate without Slack or Bolt: the service and everything it works with."""

    service: RequestService
    store: Store
    slack: FakeSlack
    adapters: Adapters
    clock: FakeClock
    runner: Runner
    policy: Policy

    def origin(self, user: str, channel: str = CHANNEL) -> Origin:
        """Where a slash command comes from."""
        return Origin(user=user, channel=channel, response_url=f"https://hooks.example/{user}")

    def on_card(
        self,
        request_id: str,
        user: str,
        *,
        channel: str | None = None,
        ts: str | None = None,
        trigger_id: str | None = None,
    ) -> Origin:
        """A click by `user` on the request's card (as stored, unless `channel`/`ts` say
        otherwise). No `trigger_id`: Reject then rejects at once, as when no dialog opens."""
        record = self.store.get(request_id)
        return Origin(
            user=user,
            channel=channel or (record.channel if record else CHANNEL),
            response_url=f"https://hooks.example/{user}",
            message_ts=ts or (record.message_ts if record else None),
            trigger_id=trigger_id,
        )

    def shown_to(self, user: str) -> str:
        """The last private answer to `user`, as Slack shows it (blocks included)."""
        for sent in reversed(self.slack.sent):
            if sent.kind in {"ephemeral", "respond"} and sent.target.endswith(user):
                return sent.message.text + json.dumps(sent.message.blocks, ensure_ascii=False)
        raise AssertionError(f"nothing was shown to {user}")

    def sim(self, vendor: str):  # type: ignore[no-untyped-def]
        return self.adapters.simulators[vendor]


PolicyFactory = Callable[[str], Policy]


@pytest.fixture
def make_policy() -> PolicyFactory:
    def make(toml: str) -> Policy:
        return parse_policy(tomllib.loads(toml)["policy"])

    return make


DEFAULT_POLICY = """
[policy]
requesters = ["*"]
approvers = ["*"]
approvals = 1
ttl = "30m"
channels = ["C0OPS"]
"""


@pytest.fixture
def world_factory(make_policy: PolicyFactory) -> Iterator[Callable[..., World]]:
    made: list[World] = []

    def make(
        policy_toml: str = DEFAULT_POLICY,
        *,
        db: Path | str | None = None,
        key: str | None = None,
        slack: Any = None,
        background: bool = False,
        workers: int = 32,
    ) -> World:
        """A world on a private in-memory database, or on `db` (keyed with `key`): a SQLite
        file or a PostgreSQL URL.

        `background`: Slack-only work runs on the runner's Slack pool, as in `build_app`;
        otherwise inline, so a test sees every message as soon as the service returns.
        `workers`: the runner's threads for decisions and vendor calls.
        """
        clock = FakeClock()
        secret = None if key is None else SecretStr(key)
        store = (
            Store.memory(clock=clock, key=secret)
            if db is None
            else Store.open(db, clock=clock, key=secret)
        )
        slack = slack or FakeSlack()
        adapters = build_adapters(installed_plugins(), {}, sandbox=True, clock=clock)
        policy = make_policy(policy_toml)
        runner = Runner(workers=workers)
        services = Services(
            store=store,
            policy=policy,
            adapters=adapters,
            slack=slack,
            directory=FakeDirectory(),
            clock=clock,
            catalog=installed_plugins().catalog,
            runner=runner if background else None,
        )
        world = World(
            service=RequestService(services),
            store=store,
            slack=slack,
            adapters=adapters,
            clock=clock,
            runner=runner,
            policy=policy,
        )
        made.append(world)
        return world

    yield make
    for world in made:
        world.runner.shutdown()
        world.adapters.close()
        world.store.close()


@pytest.fixture
def world(world_factory: Callable[..., World]) -> World:
    return world_factory()


def package_request(
    file_id: str = "pkg-meter-fw-1.2.0",
    *,
    reason: str | None = "stale package",
    dry_run: bool = False,
) -> OperationRequest:
    return OperationRequest(
        operation="huawei.package.delete",
        vendor="huawei",
        targets=(file_id,),
        reason=reason,
        dry_run=dry_run,
    )


def deletes(world: World, path: str) -> int:
    """How many DELETE calls reached the Huawei simulator for `path`."""
    return sum(1 for r in world.sim("huawei").requests_to(path) if r.method == "DELETE")


def open_request(
    world: World, request: OperationRequest | None = None, *, user: str = ALICE
) -> str:
    """Submit a request as `user` and return its id (the card must have been posted)."""
    world.service.submit(request or package_request(), world.origin(user), command_text="/ops …")
    if world.service.s.runner is not None:  # in the background: the preview, then the card
        assert world.runner.wait_idle(10)
    records = world.store.history(requester=user, limit=1)
    assert records, "no request was recorded"
    return records[0].id


def click_together(world: World, request_id: str, users: list[str]) -> None:
    """Each of `users` clicks Approve on the card at the same moment, on a thread of its own."""
    barrier = threading.Barrier(len(users))

    def click(user: str) -> None:
        barrier.wait()
        world.service.approve(request_id, world.on_card(request_id, user))

    threads = [threading.Thread(target=click, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
