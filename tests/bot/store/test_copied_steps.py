"""`opsgate db copy` moves the Workflow Builder steps linked to the requests it copies, in every
direction between SQLite and PostgreSQL: a step waiting for a request when the log is moved
completes on the copy when that request ends (`bot.lifecycle.steps` claims it through
`Store.claim_step`), and one completed already is not completed again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.transfer import copy_log
from commands.model import OperationRequest

POLICY = OperationPolicy(approvers=("U0BOB",))


@pytest.fixture(params=["sqlite", "postgresql"])
def into(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """An empty database of each kind for the copy, besides the source (`target`)."""
    if request.param == "sqlite":
        yield tmp_path / "copy.db"
        return
    server: str = request.getfixturevalue("postgres_url")
    name = f"opsgate_copy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def request(store: Store, target: str, step: str) -> str:
    record = store.create_request(
        OperationRequest(operation="acme.widget.delete", vendor="acme", targets=(target,)),
        requester="U0ALICE",
        channel="C0OPS",
        policy=POLICY,
        sandbox=True,
        step=step,
    )
    return record.id


def test_a_step_waiting_in_the_source_completes_on_the_copy(
    target: str | Path, into: str | Path
) -> None:
    with closing(Store.open(target, clock=FakeClock())) as source:
        waiting = request(source, "w-1", step="Fx1")
        done = request(source, "w-2", step="Fx2")
        assert source.claim_step(done) == "Fx2"  # its request ended before the move

    with (
        closing(Store.open_existing(target)) as reader,
        closing(Store.open(into, clock=FakeClock())) as writer,
    ):
        copy_log(reader.engine, writer.engine)

    with closing(Store.open(into, clock=FakeClock())) as copy:
        assert copy.step_request("Fx1") == waiting and copy.step_request("Fx2") == done
        assert copy.step_waiting(waiting) == "Fx1" and copy.step_waiting(done) is None
        copy.transition(
            waiting, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U0ALICE"
        )
        assert copy.claim_step(waiting) == "Fx1"  # what completes the step when it ends
        assert copy.claim_step(waiting) is None and copy.claim_step(done) is None
        assert copy.verify().ok
