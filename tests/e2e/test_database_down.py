"""A database that cannot be reached while a command or a click is handled: the person who
acted is told nothing was done, and the log says so in one line, never a traceback and silence
after an ack that said the work had begun."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import NoReturn

import pytest
from served_app import served_opsgate

from bot import cards

PACKAGE = 'huawei package delete pkg-meter-fw-1.2.0 --reason "stale"'


def unreachable(*args: object, **kwargs: object) -> NoReturn:
    raise sqlite3.OperationalError("disk I/O error")


def test_a_command_the_database_cannot_take_is_answered_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with served_opsgate(tmp_path) as served:
        monkeypatch.setattr(served.opsgate.store, "claim_trigger", unreachable)
        assert served.slash(PACKAGE, user="U0ALICE").status_code == 200
        assert served.opsgate.runner.wait_idle(10)
        answer = served.slack.wait_for(lambda c: c.method == "response_url", timeout=10)

    said = str(answer.params.get("text"))
    assert said.startswith("Refused: opsgate cannot reach its database right now")
    assert "so this was not done" in said
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "the database could not be reached: OperationalError: disk I/O error"
    ]
    assert all(r.exc_info is None for r in failures)  # one line, no traceback


def test_a_click_the_database_cannot_take_is_answered_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_opsgate(tmp_path) as served:
        assert served.slash(PACKAGE, user="U0ALICE").status_code == 200
        request_id = served.card_request_id()
        assert served.opsgate.runner.wait_idle(10)
        since = len(served.slack.calls)
        with monkeypatch.context() as down:
            down.setattr(served.opsgate.store, "approve", unreachable)
            assert served.click(cards.APPROVE_ACTION, request_id, user="U0BOB").status_code == 200
            assert served.opsgate.runner.wait_idle(10)
        answer = served.slack.wait_for(
            lambda c: c.method in {"response_url", "chat.postEphemeral"}, since=since, timeout=10
        )
        record = served.opsgate.store.get(request_id)
    assert "cannot reach its database" in str(answer.params.get("text"))
    assert record is not None and record.state.value == "pending"


def test_a_bug_is_logged_with_its_traceback_and_the_requester_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Not dressed up as an outage, and not silence after the ack either."""

    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise sqlite3.ProgrammingError("a statement opsgate got wrong")

    with served_opsgate(tmp_path) as served:
        monkeypatch.setattr(served.opsgate.store, "claim_trigger", broken)
        assert served.slash(PACKAGE, user="U0ALICE").status_code == 200
        assert served.opsgate.runner.wait_idle(10)
        answer = served.slack.wait_for(
            lambda c: "failed unexpectedly" in str(c.params.get("text")), timeout=10
        )
    [failure] = [r for r in caplog.records if r.getMessage().startswith("failed unexpectedly")]
    assert failure.exc_info is not None
    assert answer.method in {"response_url", "chat.postEphemeral"}
    assert "(ProgrammingError)" in str(answer.params.get("text"))
    assert "cannot reach its database" not in str(answer.params.get("text"))
