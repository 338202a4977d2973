"""Ctrl-C at the console's terminal drops the line it interrupts, as a shell does, and what the
app sent before it is shown at once: never held back until after the next line's answer."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from console_sessions import console_session
from typed_lines import TypedLines

from bot.console import repl
from bot.console.session import ConsoleSession
from bot.settings import load_settings


class Keys(TypedLines):
    """A terminal: lines typed one after another, and Ctrl-C where a line is None."""

    LINES = (
        "/ops servicepower job cancel JOB-1001 --reason x",
        "help",
    )


def test_ctrl_c_shows_at_once_what_the_interrupted_line_set_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle, pressed = repl.settle, []

    def interrupted(session: ConsoleSession, say: Callable[[str], None]) -> None:
        if pressed:
            return settle(session, say)
        pressed.append("^C")  # Ctrl-C once the app has sent the card, before the line ends
        assert session.wait(timeout=10)
        raise KeyboardInterrupt

    monkeypatch.setattr(repl, "LineReader", Keys)
    monkeypatch.setattr(repl, "settle", interrupted)
    out = io.StringIO()
    with console_session(tmp_path) as session:
        assert repl.Console(session, out).run(io.StringIO(), interactive=True) == 0
    text = out.getvalue()
    card, answer = text.index("Approval needed"), text.index("alice> help")
    assert card < answer  # the card came before help was typed, and is shown before it


def test_ctrl_c_in_a_script_still_prints_what_the_app_sent_before_it_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A piped console interrupted while a line waits (SIGINT) stops with KeyboardInterrupt, as
    the command line expects; the approval's card updates and the requester's message, sent
    while the app finished its work and closed, are printed first, never dropped."""

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    (tmp_path / "opsgate.toml").write_text("")
    settings = load_settings({"OPSGATE_CONFIG": str(tmp_path / "opsgate.toml")})
    script = "/ops servicepower job cancel JOB-1001 --reason x\nas @bob approve\n"
    settle, out = repl.settle, io.StringIO()

    def approve_interrupted(session: ConsoleSession, say: Callable[[str], None]) -> None:
        if "alice> as @bob approve" in out.getvalue():  # the second line waits: Ctrl-C
            interrupted()
        settle(session, say)

    monkeypatch.setattr(repl, "settle", approve_interrupted)
    with pytest.raises(KeyboardInterrupt):
        repl.run_console(settings, stdin=io.StringIO(script), stdout=out, db=tmp_path / "c.db")
    text = out.getvalue()
    assert "✔ Succeeded: servicepower.job.cancel" in text  # the card, as the run ended
    assert "── direct message to @alice ──\nSucceeded: your request" in text
