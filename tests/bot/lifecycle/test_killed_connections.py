"""A PostgreSQL connection killed in the middle of a write (``pg_terminate_backend``, as a
failover, a pooler or an operator does) on each destructive step: nothing is lost, nothing runs
twice, and the request never stays in a state the README says it cannot stay in.

The write is held on a row lock another session takes, so the kill lands while the write's
transaction is open (its chain lock taken), whatever the machine's speed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lifecycle_world import ALICE, BOB, World, deletes, open_request, package_request
from postgres_server import postgres_server, restart

from bot.model import AuditEventName, RequestState
from bot.store import ApprovalStatus

PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


@contextmanager
def killed_when_waiting(
    url: str, request_id: str | None, *, server: bool = False
) -> Iterator[None]:
    """While inside, the request's row (with no request, the whole table against new rows) is
    locked by another session; the first opsgate session to wait for that lock is terminated,
    and the lock is then let go. With `server`, the whole server restarts instead (every
    connection to it closes)."""
    holder = psycopg.connect(url)
    admin = psycopg.connect(url, autocommit=True)
    try:
        if request_id is None:
            holder.execute("LOCK TABLE requests IN SHARE MODE")
        else:
            holder.execute("SELECT 1 FROM requests WHERE id = %s FOR UPDATE", [request_id])
        holder_pid = holder.info.backend_pid

        def kill() -> None:
            while True:  # until a session waits for the holder's lock, then kill it once
                rows = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                    [holder_pid],
                ).fetchall()
                if rows and server:
                    restart(url)
                    return
                if rows:
                    admin.execute("SELECT pg_terminate_backend(%s)", [rows[0][0]])
                    holder.rollback()
                    return

        killer = threading.Thread(target=kill)
        killer.start()
        try:
            yield
        finally:
            killer.join(timeout=60)
    finally:
        holder.close()
        admin.close()


def _on(world: World, method: str, hook: Callable[[Any], Any]) -> None:
    """Run `hook(*args)` before the world's store's `method` is called the next time."""
    original = getattr(world.store, method)
    fired = False

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal fired
        if not fired:
            fired = True
            with hook(*args):
                return original(*args, **kwargs)
        return original(*args, **kwargs)

    object.__setattr__(world.store, method, wrapped)


def test_a_connection_killed_while_the_outcome_is_written_still_records_it(
    world_factory: Callable[..., World], postgres_database: str
) -> None:
    world = world_factory(db=postgres_database)
    request_id = open_request(world)
    _on(world, "transition", lambda rid: killed_when_waiting(postgres_database, rid))

    world.service.approve(request_id, world.on_card(request_id, BOB))

    record = world.store.get(request_id)
    assert record is not None
    assert record.state is RequestState.SUCCEEDED
    assert deletes(world, PACKAGE) == 1
    names = [event.event for event in world.store.events(request_id=request_id)]
    assert names.count(AuditEventName.SUCCEEDED) == 1
    assert world.store.verify().ok
    assert not [sent for sent in world.slack.sent if "not done" in sent.message.text]


@pytest.fixture
def own_server(postgres_url: str) -> Iterator[str]:
    """A server of this test's own, since it restarts it."""
    with postgres_server() as url:
        yield url


def test_a_server_restarted_while_the_outcome_is_written_still_records_it(
    world_factory: Callable[..., World], own_server: str
) -> None:
    world = world_factory(db=own_server)
    request_id = open_request(world)
    _on(world, "transition", lambda rid: killed_when_waiting(own_server, rid, server=True))

    world.service.approve(request_id, world.on_card(request_id, BOB))

    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert deletes(world, PACKAGE) == 1
    assert world.store.verify().ok


def test_a_call_whose_outcome_could_not_be_recorded_is_recovered_unknown(
    world_factory: Callable[..., World], target: str | Path
) -> None:
    """The database stayed out of reach for longer than the outcome is retried: once the
    lease lapses, the request is `unknown` (README "Running replicas"), never left `executing`
    with its target held for as long as this replica runs."""
    world = world_factory(db=target)
    request_id = open_request(world)
    counted = world.store.approve(request_id, approver=BOB)  # as a click whose process then
    assert counted.status is ApprovalStatus.EXECUTE  # called the vendor but could not record
    world.clock.advance(world.store.leases.duration.total_seconds() + 1)

    assert world.service.recover() == 1
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert deletes(world, PACKAGE) == 0


def test_a_connection_killed_while_an_approval_is_counted_changes_nothing(
    world_factory: Callable[..., World], postgres_database: str
) -> None:
    """Killed before the claim commits: the approver is told nothing was done, the request is
    still pending with no approval, the vendor was not called; the next click runs it once."""
    world = world_factory(db=postgres_database, background=True)
    request_id = open_request(world)
    _on(world, "approve", lambda rid: killed_when_waiting(postgres_database, rid))

    click = world.on_card(request_id, BOB)  # as the Slack listener runs a click: guarded
    world.runner.submit(
        world.service.replies.guarded(click, lambda: world.service.approve(request_id, click))
    )
    assert world.runner.wait_idle(30)

    assert "not done" in world.shown_to(BOB)
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == ()
    assert deletes(world, PACKAGE) == 0
    world.service.approve(request_id, world.on_card(request_id, BOB))
    assert world.runner.wait_idle(30)
    assert world.store.get(request_id).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert deletes(world, PACKAGE) == 1
    assert world.store.verify().ok


def test_a_connection_killed_while_a_request_is_created_leaves_nothing_behind(
    world_factory: Callable[..., World], postgres_database: str
) -> None:
    """Killed after the chain lock, inserting the request: the requester is told nothing was
    done, no request, no event and no held target is left; asked again, it opens once."""
    world = world_factory(db=postgres_database, background=True)
    _on(world, "create_request", lambda _request: killed_when_waiting(postgres_database, None))

    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    assert world.runner.wait_idle(30)

    assert "not done" in world.shown_to(ALICE)
    assert world.store.history(limit=10) == []
    assert list(world.store.events()) == []
    request_id = open_request(world)
    assert [record.id for record in world.store.history(limit=10)] == [request_id]
    assert world.store.verify().ok
