"""The card's parts that come from the audit work (SPEC §9): the policy snapshot it shows, and a
request that failed its integrity check."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from block_kit import block_problems

from bot.cards import request_card, status_message
from bot.cards.request import policy_text
from bot.model import PolicySnapshot, RequestRecord, RequestState
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
def test_the_snapshot_is_worded_as_the_live_policy_words_it(rules: OperationPolicy) -> None:
    assert policy_text(PolicySnapshot.of(rules)) == Policy(defaults=rules).approvers_text(OP)


def test_card_and_status_show_the_snapshot_not_the_current_policy() -> None:
    current = "1 approval from anyone but the requester"  # what the policy says today

    card = text_of(request_card(record(), approvers_text=current).blocks)
    status = text_of(status_message(record(), [], approvers_text=current).blocks)

    for text in (card, status):
        assert "2 approvals from <!subteam^S0LEADS>, <@U0ERIN>" in text
        assert current not in text


def test_a_request_stored_without_a_snapshot_shows_the_current_policy() -> None:
    text = text_of(request_card(record(policy=None), approvers_text="1 approval from x").blocks)

    assert "1 approval from x" in text


def test_a_snapshot_id_that_is_not_a_slack_id_is_never_markup() -> None:
    forged = SNAPSHOT.model_copy(update={"approvers": ("S0LEADS><!channel",)})

    assert "<!channel" not in policy_text(forged)


def test_an_integrity_failure_says_plainly_that_nothing_ran() -> None:
    problem = "targets: the stored request names JOB-EVIL but its first event (seq 1) names JOB-1"
    failed = record(state=RequestState.FAILED, outcome=integrity_failure(problem))

    message = request_card(failed, approvers_text="x")
    text = text_of(message.blocks)

    assert block_problems(message.blocks) == []
    assert "Not executed: integrity check failed." in text
    assert "did not call the vendor" in text and "JOB-EVIL" in text
    assert "opsgate audit verify" in text
