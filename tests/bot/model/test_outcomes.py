"""The typed shapes of a preview and an outcome: verdicts, counts that add up, the end state
an outcome decides, and release-1 dicts read back typed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.base import (
    Blocker,
    Counts,
    FailureKind,
    ItemFailure,
    Outcome,
    Preview,
    Progress,
    Verdict,
)
from bot.model import (
    ClosedOutcome,
    FailedOutcome,
    PreviewUnavailable,
    RequestOutcome,
    RequestState,
    UnknownOutcome,
    rules,
    with_preview_note,
)
from bot.model.outcomes import read_outcome, read_preview


def batch(kind: FailureKind, n: int) -> ItemFailure:
    return ItemFailure(targets=tuple(f"d{i}" for i in range(n)), kind=kind, message="m")


@pytest.mark.parametrize(
    ("preview", "verdict"),
    [
        (Preview(summary="idle"), Verdict.OK),
        (Preview(summary="gw", warnings=["children go too"]), Verdict.WARN),
        (Preview(summary="x", blocked=Blocker(message="running", code="24618")), Verdict.BLOCKED),
        (Preview(summary="gone", found=False), Verdict.BLOCKED),  # not found blocks by itself
        (PreviewUnavailable(error="VendorUnreachable", message="no answer"), Verdict.WARN),
    ],
)
def test_every_preview_ends_in_a_verdict(
    preview: Preview | PreviewUnavailable, verdict: Verdict
) -> None:
    assert preview.verdict is verdict
    assert preview.model_dump(mode="json")["verdict"] == verdict.value  # kept in the audit log


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        (Outcome(summary="Deleted"), RequestState.SUCCEEDED),
        (
            Outcome(summary="s", total=10, failures=(batch(FailureKind.FAILED, 2),)),
            RequestState.FAILED,
        ),
        (
            Outcome(summary="s", total=10, failures=(batch(FailureKind.NOT_SENT, 10),)),
            RequestState.FAILED,
        ),
        (
            Outcome(
                summary="s",
                total=10,
                failures=(batch(FailureKind.FAILED, 2), batch(FailureKind.UNKNOWN, 2)),
            ),
            RequestState.UNKNOWN,  # partly unknown: the engineer must check, like unknown
        ),
        (FailedOutcome(error="VendorError", message="no", code="1"), RequestState.FAILED),
        (UnknownOutcome(message="timed out"), RequestState.UNKNOWN),
    ],
)
def test_the_final_state_follows_the_outcome(outcome: RequestOutcome, state: RequestState) -> None:
    assert rules.final_state(outcome) is state


@pytest.mark.parametrize(
    ("failures", "state"),
    [
        ((batch(FailureKind.NOT_SENT, 4),), RequestState.STOPPED),
        ((batch(FailureKind.FAILED, 4), batch(FailureKind.NOT_SENT, 2)), RequestState.STOPPED),
        ((), RequestState.SUCCEEDED),  # Stop came after the last call went out
        ((batch(FailureKind.FAILED, 2),), RequestState.FAILED),
        ((batch(FailureKind.UNKNOWN, 2),), RequestState.UNKNOWN),
    ],
)
def test_a_stopped_run_ends_stopped_only_when_stop_kept_calls_back(
    failures: tuple[ItemFailure, ...], state: RequestState
) -> None:
    outcome = Outcome(summary="s", total=10, failures=failures)
    assert rules.final_state(outcome, stopped=True) is state


def test_a_closed_request_has_no_final_state() -> None:
    with pytest.raises(ValueError, match="no vendor call"):
        rules.final_state(ClosedOutcome(by="U0BOB"))


def test_counts_add_up_to_the_targets_and_failures_cannot_name_more() -> None:
    outcome = Outcome(
        summary="s",
        total=1_000,
        failures=(batch(FailureKind.UNKNOWN, 200), batch(FailureKind.NOT_SENT, 100)),
    )
    assert outcome.counts == Counts(succeeded=700, unknown=200, not_sent=100)
    assert outcome.counts.done == 1_000 and outcome.failed_targets == 300 and not outcome.ok
    with pytest.raises(ValidationError, match="more targets"):
        Outcome(summary="s", total=1, failures=(batch(FailureKind.FAILED, 2),))


def test_progress_carries_the_four_counts_and_reads_the_older_form() -> None:
    assert Progress(total=10, succeeded=5, unknown=2).done == 7
    assert Progress(done=7, total=10, failed=2) == Progress(total=10, succeeded=5, failed=2)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"summary": "Deleted", "total": 1}, Outcome(summary="Deleted")),
        (
            {"error": "VendorError", "message": "no", "code": "24618", "next_step": "stop it"},
            FailedOutcome(error="VendorError", message="no", code="24618", next_step="stop it"),
        ),
        (
            {"error": "integrity", "message": "differs", "next_step": "verify"},
            FailedOutcome(error="integrity", message="differs", next_step="verify"),
        ),
        (
            {"error": "OutcomeUnknown", "message": "timed out", "next_step": "check"},
            UnknownOutcome(message="timed out", next_step="check"),
        ),
        (
            {"error": "InternalError", "message": "bug", "next_step": ""},
            UnknownOutcome(error="InternalError", message="bug"),
        ),
        ({"by": "U0BOB"}, ClosedOutcome(by="U0BOB")),
        ({"message": "not in channel"}, ClosedOutcome(by="", note="not in channel")),
    ],
)
def test_release_1_outcomes_are_read_typed(stored: dict[str, object], expected: object) -> None:
    assert read_outcome(stored) == expected


def test_release_1_failures_and_previews_are_read_typed() -> None:
    outcome = read_outcome(
        {
            "summary": "s",
            "total": 3,
            "failures": [
                {"targets": ["a"], "code": "unknown", "message": "m"},
                {"targets": ["b"], "code": "not_sent", "message": "m"},
                {"targets": ["c"], "code": "unreachable", "message": "m"},
            ],
        }
    )
    assert isinstance(outcome, Outcome)
    assert [(f.kind, f.code) for f in outcome.failures] == [
        (FailureKind.UNKNOWN, None),
        (FailureKind.NOT_SENT, None),
        (FailureKind.FAILED, None),  # "unreachable" was opsgate's word, not the vendor's code
    ]
    unavailable = read_preview({"error": "VendorUnreachable", "message": "m", "next_step": ""})
    assert isinstance(unavailable, PreviewUnavailable) and unavailable.verdict is Verdict.WARN
    found = read_preview({"summary": "s", "facts": {}, "warnings": [], "found": True})
    assert isinstance(found, Preview) and found.verdict is Verdict.OK
    assert found.outcome_note == ""  # a preview stored before notes existed adds nothing


def test_a_preview_note_follows_the_summary_in_brackets_and_nothing_else_changes() -> None:
    outcome = Outcome(summary="Cancel accepted for 5 devices", total=5, succeeded_as="accepted")
    noted = Preview(summary="s", outcome_note="3 had a pending task when previewed")

    said = with_preview_note(outcome, noted)

    assert said.summary == "Cancel accepted for 5 devices (3 had a pending task when previewed)"
    assert said.model_dump(exclude={"summary"}) == outcome.model_dump(exclude={"summary"})
    unavailable = PreviewUnavailable(error="VendorUnreachable", message="no answer")
    for preview in (None, Preview(summary="s"), unavailable):
        assert with_preview_note(outcome, preview) is outcome
