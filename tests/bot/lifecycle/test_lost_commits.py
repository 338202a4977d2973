"""The claim (the approval that moves a request to `executing`) loses its PostgreSQL connection
at COMMIT: made by the server but its answer lost, never delivered, or made while the server
then stays out of reach. The vendor is called at most once, and only for a claim the server
says it made; the approver is told what happened; the request never stays `executing`."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from lifecycle_world import BOB, World, deletes, open_request
from postgres_server import postgres_server, start, stop

from bot.model import AuditEventName, RequestState
from bot.store import pgconn

PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


def _cut(conn: psycopg.Connection[Any], how: int) -> None:
    with socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.shutdown(how)


@contextmanager
def commit_cut(
    monkeypatch: pytest.MonkeyPatch, how: str, after: Callable[[], None] = lambda: None
) -> Iterator[None]:
    """While inside, this thread's first COMMIT loses its connection. `how`: ``"answer"``,
    the server makes the COMMIT, but the connection closes before opsgate reads the answer
    (then `after` runs: it may stop the server); ``"sent"``, the socket is cut before the
    COMMIT is sent, so the server never gets it."""
    execute = psycopg.Connection.execute
    thread = threading.get_ident()
    armed = True

    def cut(conn: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal armed
        if not (armed and query == "COMMIT" and threading.get_ident() == thread):
            return execute(conn, query, *args, **kwargs)
        armed = False
        if how == "answer":
            execute(conn, query, *args, **kwargs)
            conn.close()
            after()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        _cut(conn, socket.SHUT_RDWR)
        return execute(conn, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", cut)
    try:
        yield
    finally:
        monkeypatch.undo()


def _during_approve(world: World, hook: Callable[[], AbstractContextManager[None]]) -> None:
    """Run the world's store's next `approve` inside `hook()`."""
    original = world.store.approve

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        object.__setattr__(world.store, "approve", original)
        with hook():
            return original(*args, **kwargs)

    object.__setattr__(world.store, "approve", wrapped)


def _click(world: World, request_id: str) -> None:
    """Bob's Approve click, as the Slack listener runs one (guarded), until all is done."""
    click = world.on_card(request_id, BOB)
    world.runner.submit(
        world.service.replies.guarded(click, lambda: world.service.approve(request_id, click))
    )
    assert world.runner.wait_idle(30)


def _events(world: World, request_id: str) -> list[AuditEventName]:
    return [event.event for event in world.store.events(request_id=request_id)]


def test_a_claim_whose_commit_answer_was_lost_is_carried_out_once(
    world_factory: Callable[..., World], postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server made the claim: opsgate asks it so on a fresh connection and makes the one
    vendor call; the approver is never told it was not done."""
    world = world_factory(db=postgres_database, background=True)
    request_id = open_request(world)
    _during_approve(world, lambda: commit_cut(monkeypatch, "answer"))

    _click(world, request_id)

    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert deletes(world, PACKAGE) == 1
    assert _events(world, request_id).count(AuditEventName.EXECUTING) == 1
    assert not [sent for sent in world.slack.sent if "not done" in sent.message.text]
    assert world.store.verify().ok


def test_a_claim_whose_commit_never_reached_the_server_is_not_done(
    world_factory: Callable[..., World], postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server never got the COMMIT: nothing was claimed, the approver is told so, and the
    next click runs it once."""
    world = world_factory(db=postgres_database, background=True)
    request_id = open_request(world)
    _during_approve(world, lambda: commit_cut(monkeypatch, "sent"))

    _click(world, request_id)

    assert "not done" in world.shown_to(BOB)
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == ()
    assert deletes(world, PACKAGE) == 0
    _click(world, request_id)
    assert world.store.get(request_id).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 1
    assert world.store.verify().ok


def test_a_commit_vouched_for_whose_events_are_missing_is_not_acted_on(
    world_factory: Callable[..., World], postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server says the claim's transaction committed, yet its events are not in the log (a
    server that took over after a failover, which gave that transaction id to another): opsgate
    cannot tell, so it says so and makes no vendor call."""
    world = world_factory(db=postgres_database, background=True)
    request_id = open_request(world)
    monkeypatch.setattr(pgconn, "committed", lambda *_args: True)
    _during_approve(world, lambda: commit_cut(monkeypatch, "sent"))

    _click(world, request_id)

    assert "cannot tell whether it was recorded" in world.shown_to(BOB)
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING
    assert deletes(world, PACKAGE) == 0
    assert world.store.verify().ok


def test_a_claim_known_made_only_after_a_third_of_its_lease_is_not_run(
    world_factory: Callable[..., World], postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server says the claim was made only once a third of its lease has passed: recovery
    elsewhere may be close to calling it lost, so no vendor call goes out; the approver is told
    opsgate cannot tell, and the request ends `unknown` once its lease lapses."""
    world = world_factory(db=postgres_database, background=True)
    world.store.leases.duration = timedelta(seconds=1.5)  # a third of it: 0.5 s
    request_id = open_request(world)
    made = pgconn.committed

    def late(*args: Any) -> bool | None:
        time.sleep(0.6)  # past the third, whatever the machine's speed
        return made(*args)

    monkeypatch.setattr(pgconn, "committed", late)
    _during_approve(world, lambda: commit_cut(monkeypatch, "answer"))

    _click(world, request_id)

    assert "cannot tell whether it was recorded" in world.shown_to(BOB)
    assert world.store.get(request_id).state is RequestState.EXECUTING  # type: ignore[union-attr]
    world.clock.advance(world.store.leases.duration.total_seconds() + 1)
    assert world.service.recover() == 1
    assert world.store.get(request_id).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 0


@pytest.fixture
def own_server(postgres_url: str) -> Iterator[str]:
    """A server of this test's own, since it stops it."""
    with postgres_server() as url:
        yield url


def test_a_claim_that_cannot_be_settled_is_told_so_and_ends_unknown(
    world_factory: Callable[..., World], own_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim was made, but the server is gone before opsgate can ask: the approver is told
    opsgate cannot tell (never "not done"), the vendor is not called, and once the claim's
    lease lapses the request is `unknown`, not left `executing`."""
    world = world_factory(db=own_server, background=True)
    world.store.leases.duration = timedelta(seconds=1.5)  # asked for a third of it: 0.5 s
    request_id = open_request(world)
    _during_approve(world, lambda: commit_cut(monkeypatch, "answer", lambda: stop(own_server)))

    _click(world, request_id)

    assert "cannot tell whether it was recorded" in world.shown_to(BOB)
    assert "not done" not in world.shown_to(BOB)
    start(own_server)
    assert world.store.get(request_id).state is RequestState.EXECUTING  # type: ignore[union-attr]
    world.clock.advance(world.store.leases.duration.total_seconds() + 1)
    assert world.service.recover() == 1
    assert world.store.get(request_id).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 0
    assert world.store.verify().ok
