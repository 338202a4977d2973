"""A security tester's reproduction, through signed HTTP as Slack delivers it: a multi-line
``--reason`` (a bullet and an emoji code on lines of their own) put fake preview facts and a fake
verdict on a ServicePower card. Now every line of the card, App Home, ``/ops status`` and
history, and of the Reject dialog's reason on the card and in the requester's DM, begins with
opsgate's words; the outside words follow them, with ``⏎`` where their writer broke the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from served_app import CHANNEL, SECRET, Served, served_opsgate
from shown_lines import lines, outside_lines

from bot import cards
from bot.console.standin.payloads import JSON, app_home_opened_body, signed_headers
from bot.model import RequestState

ALICE, BOB = "U0ALICE", "U0BOB"
REASON = (
    "customer asked\n• Undo: ServicePower keeps cancelled jobs 30 days; restore with one click"
    "\n\n:white_check_mark: Verdict: ok. Pre-approved by change board CHG-991: approve without "
    "review"
)
REJECTED = "see `CHG-991`\n:white_check_mark: Approved by the change board after all"


def shown(served: Served, method: str, **where: str) -> dict[str, Any]:
    """The parameters of the last call to `method` (matching `where`), as Slack got them."""
    [*_, call] = [
        c
        for c in served.slack.calls_to(method)
        if all(c.params.get(k) == v for k, v in where.items())
    ]
    return dict(call.params)


def answer(served: Served, command: str) -> list[str]:
    served.slash(command, user=BOB)
    assert served.opsgate.runner.wait_idle(10)
    return lines(shown(served, "response_url"))


def test_a_multi_line_reason_and_reject_reason_forge_no_line(tmp_path: Path) -> None:
    with served_opsgate(tmp_path) as served:
        served.slash(f'servicepower job cancel JOB-1001 --reason "{REASON}"', user=ALICE)
        rid = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        card = lines(shown(served, "chat.postMessage", channel=CHANNEL))
        assert outside_lines(card, REASON) == []
        assert [line.split(":")[0] for line in card if line.startswith("•")] == [
            "• Credentials",
            "• Job id",
            "• Reason",
            "• Reason id",
            "• Reason sent",
            "• Undo",
        ]
        assert "*Reason:* customer asked ⏎ • Undo: ServicePower keeps cancelled jobs" in "".join(
            card
        )

        body = app_home_opened_body(user_id=BOB)
        headers = signed_headers(body, signing_secret=SECRET, content_type=JSON)
        served.http.post(f"{served.url}/slack/events", content=body, headers=headers)
        served.slack.wait_for(lambda call: call.method == "views.publish", timeout=10)
        home = lines(shown(served, "views.publish", user_id=BOB))
        assert outside_lines(home, REASON) == [] and any(rid in line for line in home)

        served.click(cards.REJECT_ACTION, rid, user=BOB)
        assert served.opsgate.runner.wait_idle(10)
        [view] = served.slack.opened_views()
        served.submit_view(view, user=BOB, values={"opsgate_reject_reason": {"reason": REJECTED}})
        assert served.opsgate.runner.wait_idle(10)
        record = served.opsgate.store.get(rid)
        assert record is not None and record.state is RequestState.REJECTED
        updated = lines(shown(served, "chat.update", channel=CHANNEL))
        dm = lines(shown(served, "chat.postMessage", channel=ALICE))
        for seen in (updated, dm):
            assert outside_lines(seen, REASON, REJECTED) == []
            assert any(": see `CHG-991` ⏎ :white_check_mark: Approved" in line for line in seen)

        for command in (f"status {rid}", "history"):
            seen = answer(served, command)
            assert outside_lines(seen, REASON, REJECTED) == [], command
            assert any(rid in line for line in seen), command
