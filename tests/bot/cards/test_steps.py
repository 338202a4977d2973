"""What a Workflow Builder step reports: plain sentences, saying what the vendor confirmed or
why the request did not succeed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.base import Outcome
from bot.cards.steps import ERROR_LIMIT, step_error, step_outputs, usage_failure
from bot.cards.text import LINE_BREAK
from bot.model import ClosedOutcome, FailedOutcome, RequestOutcome, RequestRecord, RequestState

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def record(state: RequestState, outcome: RequestOutcome | None = None) -> RequestRecord:
    return RequestRecord(
        id="R-STEP0001",
        operation="acme.widget.delete",
        vendor="acme",
        targets=("w-1", "w-2"),
        requester="U0ALICE",
        channel="C0OPS",
        state=state,
        approvals_needed=1,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        outcome=outcome,
    )


def test_a_success_reports_what_the_vendor_confirmed() -> None:
    done = record(RequestState.SUCCEEDED, Outcome(summary="Deleted widgets w-1, w-2", total=2))
    assert step_outputs(done) == {
        "request_id": "R-STEP0001",
        "state": "succeeded",
        "summary": "acme.widget.delete on 2 targets: Deleted widgets w-1, w-2",
    }


@pytest.mark.parametrize(
    ("state", "outcome", "detail", "says"),
    [
        (
            RequestState.DENIED,
            None,
            {"reason": "You may not request it."},
            "was refused: You may not request it.",
        ),
        (RequestState.DENIED, None, {}, "was refused: the policy refused it"),
        (
            RequestState.REJECTED,
            ClosedOutcome(by="U0BOB", note="wrong firmware"),
            {},
            "was rejected by user U0BOB: wrong firmware",
        ),
        (RequestState.REJECTED, None, {}, "was rejected."),
        (RequestState.WITHDRAWN, ClosedOutcome(by="U0ALICE"), {}, "was withdrawn by user U0ALICE."),
        (RequestState.EXPIRED, None, {}, "expired: nobody approved it before its deadline."),
        (RequestState.UNKNOWN, None, {}, "its outcome is unknown: check the vendor"),
        (
            RequestState.FAILED,
            FailedOutcome(
                error="VendorError", code="24618", message="Not allowed", next_step="Stop it first."
            ),
            {},
            "failed: vendor error 24618: Not allowed Next: Stop it first.",
        ),
        (
            RequestState.FAILED,
            FailedOutcome(error="integrity", message="the stored request disagrees with its log"),
            {},
            "failed: the stored request disagrees with its log",
        ),
        (
            RequestState.SUCCEEDED,
            Outcome(summary="Deleted", total=2),
            {},
            "ended succeeded: acme.widget.delete",
        ),
    ],
)
def test_why_a_request_did_not_succeed(
    state: RequestState, outcome: RequestOutcome | None, detail: dict[str, Any], says: str
) -> None:
    text = step_error(record(state, outcome), detail)
    assert text.startswith("Request R-STEP0001 (acme.widget.delete)")
    assert says in text
    assert "<@" not in text and "*" not in text  # plain text: Workflow Builder shows it as is


def test_errors_are_clipped() -> None:
    long = record(RequestState.FAILED, FailedOutcome(error="VendorError", message="x" * 5000))
    assert len(step_error(long, {})) == ERROR_LIMIT
    assert usage_failure(
        "Bad widgetId.", "Usage: /ops acme widget delete <widgetId>\nExample: …"
    ) == ("Bad widgetId. Usage: /ops acme widget delete <widgetId>")
    assert usage_failure("Incomplete command.", "") == "Incomplete command."


def test_outputs_and_errors_keep_outside_words_on_one_line() -> None:
    """A workflow may post them in a message: a rejecter's or a vendor's line breaks show as
    the marker, as on the card, and start no line of their own."""
    rejected = record(RequestState.REJECTED, ClosedOutcome(by="U0BOB", note="no\n:x: Approved"))
    assert step_error(rejected, {}).endswith(f"by user U0BOB: no{LINE_BREAK}:x: Approved")
    done = record(RequestState.SUCCEEDED, Outcome(summary="Deleted\n• Undo: one click", total=2))
    assert step_outputs(done)["summary"].endswith(f"Deleted{LINE_BREAK}• Undo: one click")
    assert usage_failure("Bad `a\nb`.", "") == f"Bad `a{LINE_BREAK}b`."
