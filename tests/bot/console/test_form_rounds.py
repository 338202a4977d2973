"""At a terminal the request form asks again for the fields Slack would mark in red, a few
times; when it gives up, it says so, rather than going back to the prompt without a word."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pytest
from console_sessions import console_session
from typed_lines import TypedLines

from bot.console import repl
from bot.console.form import MAX_ROUNDS

#: The form for one Huawei device, with two devices typed, then again at each round.
LINES = ["form huawei.device.delete", "", "a1 b1", "", "", "why", "", ""] + [
    f"a{n} b{n}" for n in range(2, MAX_ROUNDS + 1)
]


class Terminal(TypedLines):
    """A person at a terminal typing `LINES`, then Ctrl-D."""

    LINES = tuple(LINES)


def test_a_form_given_up_after_its_rounds_says_it_was_not_submitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repl, "LineReader", Terminal)
    out = io.StringIO()
    with console_session(tmp_path) as session:
        assert repl.Console(session, out).run(io.StringIO(), interactive=True) == 0
    text = out.getvalue()
    assert text.count("✖ Targets (deviceId): It takes one deviceId; 2 were given.") == MAX_ROUNDS
    assert f"form not submitted after {MAX_ROUNDS} tries: type form to start again" in text
    assert "Approval needed" not in text


class Interrupted(Terminal):
    """A person at a terminal who opens the form, types a target, then presses Ctrl-C."""

    def __init__(self, stdin: TextIO, say: Callable[[str], None], *, interactive: bool) -> None:
        super().__init__(stdin, say, interactive=interactive)
        self.lines = ["form servicepower.job.cancel", "", "J1"]

    def read(self, prompt: str, *, answer: bool = False) -> str | None:
        if prompt.startswith("--reason-id"):
            raise KeyboardInterrupt
        if not self.lines:
            return None
        return super().read(prompt, answer=answer)


def test_ctrl_c_in_the_form_says_nothing_was_submitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repl, "LineReader", Interrupted)
    out = io.StringIO()
    with console_session(tmp_path) as session:
        assert repl.Console(session, out).run(io.StringIO(), interactive=True) == 0
    assert "── form closed (Ctrl-C): nothing was submitted ──" in out.getvalue()
    assert "Approval needed" not in out.getvalue()
