"""The one table of allowed state changes."""

from __future__ import annotations

import pytest

from bot.model import INITIAL_STATES, TRANSITIONS, RequestState, can_move

S = RequestState


def test_the_table_names_every_state() -> None:
    assert set(TRANSITIONS) == set(RequestState)


def test_the_lifecycle_of_spec_section_2() -> None:
    side_exits = {S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.DENIED, S.FAILED}
    assert TRANSITIONS[S.PENDING] == {S.EXECUTING, *side_exits}
    assert TRANSITIONS[S.EXECUTING] == {S.SUCCEEDED, S.FAILED, S.UNKNOWN, S.STOPPED}
    assert {S.PENDING, S.DENIED} == INITIAL_STATES


def test_an_unknown_call_may_still_record_its_real_outcome() -> None:
    assert can_move(S.UNKNOWN, S.SUCCEEDED) and can_move(S.UNKNOWN, S.FAILED)
    assert not can_move(S.UNKNOWN, S.EXECUTING)  # never retried


@pytest.mark.parametrize(
    "state", [S.SUCCEEDED, S.FAILED, S.REJECTED, S.WITHDRAWN, S.EXPIRED, S.DENIED, S.STOPPED]
)
def test_ended_requests_go_nowhere(state: RequestState) -> None:
    assert TRANSITIONS[state] == frozenset()
    assert state.terminal


def test_nothing_goes_back_to_pending_or_executing_twice() -> None:
    assert not any(S.PENDING in targets for targets in TRANSITIONS.values())
    assert [s for s, targets in TRANSITIONS.items() if S.EXECUTING in targets] == [S.PENDING]


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[S.EXPIRED] = frozenset({S.EXECUTING})  # type: ignore[index]


def test_a_pending_request_whose_card_cannot_be_posted_can_end_denied() -> None:
    assert can_move(S.PENDING, S.DENIED)
    assert not can_move(S.EXECUTING, S.DENIED)  # a call that started is never "denied"


def test_a_pending_request_that_disagrees_with_its_audit_record_can_end_failed() -> None:
    # SPEC §9: found at a click, before anything was approved; the vendor is never called.
    assert can_move(S.PENDING, S.FAILED)
