"""The card's parts that come from the audit work (SPEC §9): the policy snapshot it shows, and a
request that failed its integrity check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from block_kit import block_problems

from bot.cards import request_card, status_message
from bot.cards.sentences import approvers_parts, mrkdwn
from bot.model import Approvers, PolicySnapshot, RequestRecord, RequestState
from bot.policy import OperationPolicy, Policy
from bot.store import integrity_failure

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
OP = "huawei.device.delete"
SNAPSHOT = PolicySnapshot(
    approvals=2, approvers=("S0LEADS", "U0ERIN"), self_approval=False, ttl_seconds=1800
)


def record(**changes: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "id": "R-7K3F9QW2",
        "operation": OP,
        "vendor": "huawei",
        "targets": ("dev-1",),
        "requester": "U0REQ",
        "channel": "C0OPS",
        "state": RequestState.PENDING,
        "approvals_needed": 2,
        "created_at": NOW,
        "expires_at": NOW + timedelta(minutes=30),
        "policy": SNAPSHOT,
    }
    base.update(changes)
    return RequestRecord(**base)


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


@pytest.mark.parametrize(
    "rules",
    [
        OperationPolicy(),
        OperationPolicy(approvals=0),
        OperationPolicy(approvals=2, self_approval=True),
        OperationPolicy(approvers=("S0LEADS", "U0ERIN"), approvals=2),
        OperationPolicy(approvers=("U0ERIN",), approvals=1, self_approval=True),
    ],
)
def test_the_snapshot_reads_as_the_live_policy_reads(rules: OperationPolicy) -> None:
    assert Approvers.of(PolicySnapshot.of(rules)) == Policy(defaults=rules).approvers(OP)


CURRENT = Approvers(needed=1, anyone=True)  # what the policy says today


def test_card_and_status_show_the_snapshot_not_the_current_policy() -> None:
    card = text_of(request_card(record(), approvers=CURRENT).blocks)
    status = text_of(status_message(record(), [], approvers=CURRENT).blocks)

    for text in (card, status):
        assert "<!subteam^S0LEADS>, <@U0ERIN>" in text
        assert "anyone" not in text


def test_a_request_stored_without_a_snapshot_shows_the_current_policy() -> None:
    text = text_of(request_card(record(policy=None), approvers=CURRENT).blocks)

    assert "anyone but the requester" in text
    assert "S0LEADS" not in text


def test_a_snapshot_id_that_is_not_a_slack_id_is_never_markup() -> None:
    forged = SNAPSHOT.model_copy(update={"approvers": ("S0LEADS><!channel",)})

    shown = mrkdwn(approvers_parts(Approvers.of(forged), count=False))
    assert "<!channel" not in shown
    assert "<!channel" not in text_of(request_card(record(policy=forged), approvers=CURRENT).blocks)


def test_an_integrity_failure_says_plainly_that_nothing_ran() -> None:
    problem = "targets: the stored request names JOB-EVIL but its first event (seq 1) names JOB-1"
    failed = record(state=RequestState.FAILED, outcome=integrity_failure(problem))

    message = request_card(failed, approvers=CURRENT)
    text = text_of(message.blocks)

    assert block_problems(message.blocks) == []
    assert "Not executed: integrity check failed." in text
    assert "did not call the vendor" in text and "JOB-EVIL" in text
    assert "opsgate audit verify" in text
