"""A reminder or a break-glass announcement that Slack refuses is logged naming its request
(SPEC §13: ``request_id``, ``operation`` and ``actor`` where known), as every other sweep's
lines are: the sweep acts as ``system``."""

from __future__ import annotations

import pytest
from json_log import json_lines
from lifecycle_world import ALICE, LEADS, World, open_request, package_request

from bot.observability.logs import fresh_log_context

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
break_glass = ["{ALICE}"]
channels = ["C0OPS"]
"""
DAY = 24 * 3600


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def about(world: World, request_id: str) -> dict[str, str]:
    record = world.store.get(request_id)
    assert record is not None
    return {"request_id": request_id, "operation": record.operation, "actor": "system"}


def test_a_reminder_slack_refuses_is_logged_with_its_request(world: World) -> None:
    rid = open_request(world)
    world.slack.refuse_posts = "not_in_channel"  # the bot was removed since
    world.clock.advance(15 * 60)
    with fresh_log_context(), json_lines() as read:
        assert world.service.remind() == 1
    [line] = [line for line in read() if "could not remind" in line["message"]]
    assert {key: line.get(key) for key in ("request_id", "operation", "actor")} == about(world, rid)


def test_an_announcement_slack_refuses_is_logged_with_its_request(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"  # the card never went up either
    request = package_request().model_copy(update={"break_glass": "INC-9"})
    world.service.submit(request, world.origin(ALICE), command_text="/ops …")
    [glass] = [record.id for record in world.store.history(requester=ALICE, limit=1)]
    world.clock.advance(DAY)
    with fresh_log_context(), json_lines() as read:
        assert world.service.remind() == 1
    said = [line for line in read() if glass in line["message"]]
    assert len(said) == 2  # the card it tried again, the announcement
    for line in said:
        assert {key: line.get(key) for key in ("request_id", "operation", "actor")} == about(
            world, glass
        )
