"""A request refused for want of a reason hands back the command to copy with the reason flag
appended, as a blocked preview hands it back with `--force`: at 3 a.m. nobody retypes a long
command to add one flag."""

from __future__ import annotations

import pytest
from lifecycle_world import ALICE, World, package_request

from bot.model import AuditEventName

COMMAND = "/ops huawei package delete pkg-meter-fw-1.2.0"


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory("[policy]\nrequire_reason = true\n")


def test_a_missing_reason_is_answered_with_the_command_to_copy(world: World) -> None:
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text=COMMAND)
    shown = world.shown_to(ALICE)
    assert "needs a reason" in shown
    assert f'`{COMMAND} --reason \\"&lt;why&gt;\\"`' in shown  # as Slack and JSON hold it
    [denied] = world.store.events()
    assert denied.event is AuditEventName.DENIED
    assert COMMAND not in denied.detail["reason"]  # the audit log keeps the refusal alone


def test_a_command_too_long_to_copy_is_not_offered(world: World) -> None:
    long = COMMAND + " " + "x" * 300
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text=long)
    shown = world.shown_to(ALICE)
    assert "needs a reason" in shown and "x" * 300 not in shown


def test_without_command_text_nothing_is_offered_to_copy(world: World) -> None:
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text="  ")
    shown = world.shown_to(ALICE)
    assert "needs a reason" in shown and "Copy it from here" not in shown


@pytest.mark.parametrize(
    "line_break", ["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
)
def test_a_command_of_more_than_one_line_is_not_offered(world: World, line_break: str) -> None:
    """Inline code cannot hold a line break (a card shows each kind as " ⏎ "): a command with
    any of them is not offered to copy, whatever the kind."""
    typed = f"{COMMAND}{line_break}--app partner-app"
    world.service.submit(package_request(reason=None), world.origin(ALICE), command_text=typed)
    shown = world.shown_to(ALICE)
    assert "needs a reason" in shown
    assert "Copy it from here" not in shown and "⏎" not in shown
