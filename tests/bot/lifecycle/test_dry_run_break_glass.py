"""A dry run with `--break-glass` says what the real request would do with it.

At 3 a.m. an engineer tries `… --break-glass INC-1 --dry-run` before the real thing. The dry run
changes nothing either way, but it must not say "ok" to someone the policy would refuse, nor
"a real request gets no approval card" when break-glass would run it all the same.
"""

from __future__ import annotations

import pytest
from lifecycle_world import ALICE, BOB, LEADS, World, deletes, package_request

from commands.model import OperationRequest

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}"]
channels = ["C0OPS"]
"""
PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def dry_run(file_id: str = "pkg-meter-fw-1.2.0") -> OperationRequest:
    return package_request(file_id, dry_run=True).model_copy(update={"break_glass": "INC-1"})


def shown(world: World, user: str, request: OperationRequest) -> str:
    world.service.submit(request, world.origin(user), command_text="/ops …")
    if world.service.s.runner is not None:
        assert world.runner.wait_idle(10)
    return world.shown_to(user)


def test_someone_the_policy_lets_is_told_it_would_run_at_once(world: World) -> None:
    text = shown(world, ALICE, dry_run())
    assert "Dry run" in text
    assert "With `--break-glass`, a real request runs at once, without approvals" in text
    assert "`INC-1`" in text
    assert list(world.store.events()) == [] and deletes(world, PACKAGE) == 0


def test_someone_else_is_told_the_real_request_would_be_refused(world: World) -> None:
    text = shown(world, BOB, dry_run())
    assert "Dry run" in text
    assert "A real request with `--break-glass` would be refused: You may not use" in text
    assert "Drop `--break-glass` to ask for approvals instead." in text
    assert "runs at once" not in text
    assert list(world.store.events()) == []


def test_a_blocked_preview_says_break_glass_runs_it_all_the_same(world: World) -> None:
    text = shown(world, ALICE, dry_run("pkg-nope"))
    assert "Verdict: blocked" in text
    assert "add `--force` to post one anyway" not in text
    assert "runs at once, without approvals" in text and "the vendor will refuse" in text


def test_without_a_reason_the_real_request_would_be_refused_for_want_of_one(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(POLICY + "require_reason = true\n")
    request = package_request(reason=None, dry_run=True).model_copy(update={"break_glass": "I-1"})
    text = shown(world, ALICE, request)
    assert "Dry run" in text  # a dry run needs no reason; the real request does
    assert "A real request with `--break-glass` would be refused:" in text
    assert "needs a reason" in text
    assert "runs at once" not in text
    assert list(world.store.events()) == []
