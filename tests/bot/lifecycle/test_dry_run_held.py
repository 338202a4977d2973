"""A dry run of targets an open request holds says the real request would be refused, and
points at that request: an on-call engineer rehearsing a command is not told "ok" for one
that will be turned away (README "One target, one open request")."""

from __future__ import annotations

from lifecycle_world import ALICE, World

from adapters.registry import installed_plugins
from commands.model import OperationRequest
from commands.parse import parse

PACKAGE = "huawei package delete pkg-meter-fw-1.2.0"


def submit(world: World, command: str) -> None:
    parsed = parse(command, installed_plugins().catalog)
    assert isinstance(parsed, OperationRequest)
    world.service.submit(parsed, world.origin(ALICE), command_text=f"/ops {command}")


def answers(world: World) -> list[str]:
    return [str(p.message.blocks) for p in world.slack.sent if p.kind == "respond"]


def test_a_dry_run_of_a_held_target_says_the_real_request_would_be_refused(
    world: World,
) -> None:
    submit(world, f'{PACKAGE} --reason "superseded"')
    [held] = world.store.history()

    submit(world, f"{PACKAGE} --dry-run")

    dry = answers(world)[-1]
    assert "Dry run: huawei.package.delete" in dry
    assert "A real request now would be refused:" in dry
    assert f"is already requested in `{held.id}`" in dry
    assert len(world.store.history()) == 1  # a dry run still records nothing


def test_a_dry_run_of_free_targets_says_nothing_of_other_requests(world: World) -> None:
    submit(world, f"{PACKAGE} --dry-run")

    [dry] = answers(world)
    assert "would be refused" not in dry and world.store.history() == []
