"""History as one reader may see it (SPEC §8 "Reading"), filtered in the query itself so the
limit counts only what the reader sees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.clock import FakeClock
from bot.model import RequestRecord, rules
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.memory(clock=FakeClock())
    yield store
    store.close()


def create(store: Store, operation: str, *, requester: str, channel: str) -> RequestRecord:
    request = OperationRequest(
        operation=operation, vendor=operation.split(".")[0], targets=("t-1",), reason="x"
    )
    return store.create_request(
        request,
        requester=requester,
        channel=channel,
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )


def test_a_reader_sees_their_own_what_they_may_approve_and_what_was_asked_where_they_are(
    store: Store,
) -> None:
    mine = create(store, "enos.ota-job.delete", requester="U0DAVE", channel="C0SECRET")
    here = create(store, "enos.ota-job.delete", requester="U0ALICE", channel="C0OPS")
    approvable = create(store, "huawei.device.delete", requester="U0ALICE", channel="C0SECRET")
    create(store, "enos.ota-job.delete", requester="U0ALICE", channel="C0SECRET")  # hidden

    reader = rules.Reader(
        user="U0DAVE", channel="C0OPS", approves=frozenset({"huawei.device.delete"})
    )
    seen = [r.id for r in store.history(reader=reader)]

    assert seen == [approvable.id, here.id, mine.id]
    assert all(rules.may_read(r, reader) for r in store.history(reader=reader))


def test_the_limit_counts_only_what_the_reader_may_see(store: Store) -> None:
    visible = create(store, "enos.ota-job.delete", requester="U0DAVE", channel="C0OPS")
    for _ in range(5):
        create(store, "enos.ota-job.delete", requester="U0ALICE", channel="C0SECRET")

    reader = rules.Reader(user="U0DAVE", channel="D0DAVE")
    assert [r.id for r in store.history(reader=reader, limit=1)] == [visible.id]
    assert len(store.history(limit=1)) == 1 and store.history(limit=1)[0].id != visible.id


def test_other_filters_still_apply_with_a_reader(store: Store) -> None:
    create(store, "enos.ota-job.delete", requester="U0ALICE", channel="C0OPS")
    create(store, "huawei.device.delete", requester="U0ALICE", channel="C0OPS")
    reader = rules.Reader(user="U0DAVE", channel="C0OPS")
    assert [r.vendor for r in store.history(reader=reader, vendor="huawei")] == ["huawei"]
    assert store.history(reader=reader, requester="U0DAVE") == []
