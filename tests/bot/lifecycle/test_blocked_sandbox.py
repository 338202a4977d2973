"""A request denied because its sandboxed preview is blocked is marked SANDBOX like every other
sandboxed request (README "Settings": "marked SANDBOX on every card, in App Home and in
`/ops history`"): the simulator, not the real vendor, said it would refuse."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lifecycle_world import ALICE, World

from adapters.enos.simulator import api as enos
from adapters.registry import installed_plugins
from bot.cards.history import history_line
from bot.model import RequestState
from commands.model import OperationRequest
from commands.parse import parse

RUNNING = (
    f"enos ota-job delete {enos.SANDBOX_RUNNING_JOB_ID} --org {enos.SANDBOX_ORG_ID}"
    ' --reason "stale job"'
)


def submit_blocked(world: World) -> None:
    parsed = parse(RUNNING, installed_plugins().catalog)
    assert isinstance(parsed, OperationRequest)
    world.service.submit(parsed, world.origin(ALICE), command_text=f"/ops {RUNNING}")


def answer_text(world: World) -> str:
    [answer] = [p.message for p in world.slack.sent if p.kind == "respond"]
    return str(answer.blocks)


def test_a_sandboxed_blocked_request_is_denied_marked_sandbox(world: World) -> None:
    submit_blocked(world)

    [record] = world.store.history()
    assert record.state is RequestState.DENIED and record.sandbox
    answer = answer_text(world)
    assert "Not posted" in answer and "*SANDBOX*: the vendor is simulated" in answer
    assert "SANDBOX" in history_line(record)
    [event] = world.store.events(request_id=record.id)
    assert event.detail["sandbox"] is True  # the first event holds the complete request
    assert world.store.verify().ok


def test_a_denied_row_whose_sandbox_flag_disagrees_with_its_event_fails_verify(  # type: ignore[no-untyped-def]
    world_factory, tmp_path: Path
) -> None:
    db = tmp_path / "opsgate.db"
    world = world_factory(db=db)
    submit_blocked(world)
    [record] = world.store.history()
    assert world.store.verify().ok
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE requests SET sandbox = 0 WHERE id = ?", (record.id,))

    result = world.store.verify()
    assert not result.ok and result.request_id == record.id
