"""App Home's "Running: you may stop": every run the user may stop has its Stop while the tab has
room for it within Slack's 100 blocks; past that, a line counts the runs not shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from block_kit import block_problems

from bot.cards import HomeContent, home_view
from bot.cards.home import HOME_BLOCK_LIMIT, HOME_STOP_ACTION
from bot.model import RequestRecord, RequestState

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def running(count: int) -> list[RequestRecord]:
    return [
        RequestRecord(
            id=f"R-RUN{i:05d}",
            operation="aliyun.ota-task.cancel",
            vendor="aliyun",
            targets=tuple(f"thermo-{n:03d}" for n in range(300)),
            reason="bad rollout",
            requester="U0ALICE",
            channel="C0OPS",
            state=RequestState.EXECUTING,
            approvals_needed=1,
            created_at=NOW,
            expires_at=NOW + timedelta(minutes=30),
        )
        for i in range(count)
    ]


def stops(view: dict[str, object]) -> list[str]:
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    return [
        element["value"]
        for block in blocks
        for element in block.get("elements", ())
        if element.get("action_id") == HOME_STOP_ACTION
    ]


def test_a_sixth_run_has_its_stop_too() -> None:
    runs = running(6)
    view = home_view(HomeContent(running=runs))
    assert stops(view) == [r.id for r in runs]
    assert "more run" not in json.dumps(view)


def test_runs_past_the_tab_s_room_are_counted_in_a_line() -> None:
    runs = running(80)
    view = home_view(HomeContent(running=runs, approver=True))
    assert len(view["blocks"]) <= HOME_BLOCK_LIMIT
    assert block_problems(view["blocks"], limit=HOME_BLOCK_LIMIT) == []
    shown = stops(view)
    assert shown == [r.id for r in runs[: len(shown)]] and len(shown) > 6
    assert f"{len(runs) - len(shown)} more runs you may stop" in json.dumps(view)
    # The tab's last part is not pushed out for them.
    assert "What you can request" in json.dumps(view)
    assert "more blocks not shown" not in json.dumps(view)
