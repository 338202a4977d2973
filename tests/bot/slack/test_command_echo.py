"""The command a reply hands back (a dry run's Command, the missing reason's copy) reads as the
user typed it. Slack sends a slash command's ``&``, ``<`` and ``>`` HTML-escaped; echoed as
received, the reply escaped them a second time, so Slack showed ``R&amp;D`` where the user had
typed ``R&D``, and the command offered to copy was not the one typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from surfaces_world import ALICE, session_with

from bot.console.session import ConsoleSession
from bot.console.standin.payloads import FORM, slash_command_body

POLICY = '[policy]\napprovers = ["U0BOB"]\nrequire_reason = true\n'
#: What the user types, with `<`, `>` and `&`.
TYPED = '--break-glass "INC<42> R&D"'
#: The same, escaped once as Slack sends and shows it.
GLASS = '--break-glass "INC&lt;42&gt; R&amp;D"'


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path, POLICY) as opened:
        yield opened


def answer_to(session: ConsoleSession, text: str) -> str:
    """`/ops <text>` as typed, sent as Slack sends it (HTML-escaped); the private answer (as
    Slack's JSON holds it)."""
    body = slash_command_body(
        text=text,
        user_id=ALICE,
        channel_id="C0OPS",
        response_url=session.standin.response_url("echo"),
    )
    before = len(session.standin.calls)
    assert session._dispatch(body, FORM).status == 200
    session.wait()
    [answer] = [c for c in session.standin.calls[before:] if c.method == "response_url"][-1:]
    return str(answer.params)


def test_the_missing_reason_copy_is_escaped_once(session: ConsoleSession) -> None:
    said = answer_to(session, f"servicepower job cancel JOB-1001 {TYPED}")
    assert "Copy it from here" in said
    assert GLASS in said  # Slack shows INC<42> R&D, as typed
    assert "&amp;lt;" not in said and "&amp;amp;" not in said


def test_a_dry_run_shows_the_command_escaped_once(session: ConsoleSession) -> None:
    said = answer_to(session, 'servicepower job cancel JOB-1001 --reason "R&D <3" --dry-run')
    assert '--reason "R&amp;D &lt;3" --dry-run' in said  # as typed: R&D <3
    assert "&amp;lt;" not in said and "&amp;amp;" not in said
