"""Break-glass and Mark reviewed through signed HTTP: a slash command with ``--break-glass`` runs
at once and posts a loud card that mentions the approvers; a signed Mark reviewed click from
its card reviews it; ``/ops history --unreviewed`` lists what awaits review."""

from __future__ import annotations

import json
from pathlib import Path

from served_app import Served, served_opsgate

from bot import cards
from bot.model import AuditEventName, RequestState

ALICE, BOB, DAVE = "U0ALICE", "U0BOB", "U0DAVE"
POLICY = '[policy]\nchannels = ["C0OPS"]\napprovers = ["S0OPSLEADS"]\nbreak_glass = ["U0ALICE"]\n'
COMMAND = "servicepower job cancel JOB-1001 --reason storm --break-glass INC-42 dispatch storm"


def newest(served: Served) -> str:
    assert served.opsgate.runner.wait_idle(10)
    [record, *_] = served.opsgate.store.history(limit=1)
    return record.id


def answers(served: Served) -> list[str]:
    return [json.dumps(c.params) for c in served.slack.calls_to("response_url")]


def test_a_signed_break_glass_runs_at_once_and_is_reviewed_from_its_card(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        assert served.slash(COMMAND, user=ALICE).status_code == 200
        rid = newest(served)

        record = served.opsgate.store.get(rid)
        assert record is not None and record.state is RequestState.SUCCEEDED
        [cancelled] = served.opsgate.adapters.simulators["servicepower"].cancelled
        assert cancelled.job.job_id == "JOB-1001"
        [card] = [
            c
            for c in served.slack.calls_to("chat.postMessage")
            if c.params.get("channel") == "C0OPS"
        ]
        assert "<!subteam^S0OPSLEADS>" in card.params["text"]  # Slack notifies the leads
        assert "[BREAK-GLASS]" in json.dumps(card.params["blocks"])

        served.click(cards.REVIEW_ACTION, rid, user=ALICE)  # not their own
        served.click(cards.REVIEW_ACTION, rid, user=BOB)
        assert served.opsgate.runner.wait_idle(10)

        record = served.opsgate.store.get(rid)
        assert record is not None and record.reviewed_by == BOB
        names = [(e.event, e.actor) for e in served.opsgate.store.events(request_id=rid)]
        assert names[:3] == [
            (AuditEventName.REQUESTED, ALICE),
            (AuditEventName.BREAK_GLASS, ALICE),
            (AuditEventName.EXECUTING, ALICE),
        ]
        assert names[-2:] == [(AuditEventName.DENIED, ALICE), (AuditEventName.REVIEWED, BOB)]
        shown = served.slack.message("C0OPS", str(record.message_ts))
        assert shown is not None and "Reviewed* by <@U0BOB>" in json.dumps(shown["blocks"])
        assert served.opsgate.store.verify().ok


def test_a_signed_break_glass_by_anyone_else_is_refused(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.slash(COMMAND, user=DAVE)
        rid = newest(served)
        assert served.opsgate.store.get(rid).state is RequestState.DENIED  # type: ignore[union-attr]
        assert served.opsgate.adapters.simulators["servicepower"].cancelled == []
        assert "may not use" in answers(served)[-1]


def test_history_unreviewed_through_slack(tmp_path: Path) -> None:
    with served_opsgate(tmp_path, policy=POLICY) as served:
        served.slash(COMMAND, user=ALICE)
        rid = newest(served)
        served.slash("history --unreviewed", user=BOB)
        assert served.opsgate.runner.wait_idle(10)
        assert rid in answers(served)[-1] and "INC-42 dispatch storm" in answers(served)[-1]
