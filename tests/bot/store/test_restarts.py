"""After PostgreSQL restarts (or fails over), every connection a replica's pool holds is dead.
The first health check and the first request after it must not fail on one of them: a
transaction whose connection is found dead before anything of it ran starts again on another."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from postgres_server import postgres_server, restart
from store_requests import TWO, cancel

from bot.model import RequestState
from bot.store import Store


@pytest.fixture
def own_server(postgres_url: str) -> Iterator[str]:
    """A server of this test's own, since it restarts it (asking for the suite's server leaves
    this test out with the other PostgreSQL tests where PostgreSQL is not installed)."""
    with postgres_server() as url:
        yield url


def test_the_first_reads_and_writes_after_a_restart_succeed(own_server: str) -> None:
    store = Store.open(own_server)
    try:
        with ThreadPoolExecutor(4) as pool:  # several pooled connections, all about to die
            assert all(pool.map(lambda _: store.healthy(), range(8)))
        restart(own_server)

        assert store.healthy()
        assert store.count_pending() == 0
        record = store.create_request(
            cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
        )
        assert store.get(record.id).state is RequestState.PENDING  # type: ignore[union-attr]
    finally:
        store.close()
