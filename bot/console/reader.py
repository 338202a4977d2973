"""Reading the console's input: a terminal with line editing and history, or a piped script.

At a terminal, lines are read with `input` after importing `readline`, so the arrow keys edit
the line and recall earlier ones, and the history is kept between sessions in
``~/.opsgate_history`` (``OPSGATE_CONSOLE_HISTORY`` to move it; an empty value keeps none).
A piped script is read line by line and each line is echoed after its prompt, so the output
reads like the session it scripts.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

#: Lines of history kept between sessions.
HISTORY_LINES = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


class LineReader:
    """One source of console input.

    Args:
        stdin: Where lines come from.
        say: Shows a line: for a script, each prompt with the line read after it.
        interactive: A person at a terminal (`input` with line editing) or a script.
    """

    def __init__(self, stdin: TextIO, say: Callable[[str], None], *, interactive: bool) -> None:
        self._stdin = stdin
        self._say = say
        self.interactive = interactive
        self._history: Path | None = None
        self._prompting, self._prompt = False, ""
        if interactive:
            self._history = _start_readline()

    def read(self, prompt: str, *, answer: bool = False) -> str | None:
        """One line without its line break; None at the end of input.

        Args:
            prompt: Shown before the line.
            answer: The line answers a prompt (a form's field): a script echoes it even when
                blank, and a terminal keeps it out of the history of commands.
        """
        if self.interactive:
            try:
                self._prompting, self._prompt = True, prompt
                line = input(prompt)
            except EOFError:
                self._say("")
                return None
            finally:
                self._prompting = False
            if answer and line:
                _forget_last()
            return readable(line)
        line = self._stdin.readline()
        if not line:
            return None
        text = readable(line.rstrip("\r\n"))
        if answer or (text.strip() and not text.lstrip().startswith("#")):
            self._say(f"{prompt}{text.strip()}")
        return text

    def showing(self) -> bool:
        """A terminal's prompt is on the screen, waiting for a line."""
        return self._prompting

    def redraw(self) -> str:
        """The prompt again, with what has been typed after it so far (readline keeps the
        cursor where it was: at the end of the line, unless the typist moved it)."""
        try:
            import readline
        except ImportError:  # pragma: no cover - Python without readline: only the prompt
            return self._prompt
        return self._prompt + readline.get_line_buffer()

    def close(self) -> None:
        """Keep the history for the next session (a terminal only)."""
        if self._history is None:
            return
        import readline

        with contextlib.suppress(OSError):
            readline.set_history_length(HISTORY_LINES)
            readline.write_history_file(self._history)


def readable(line: str) -> str:
    """`line` with each lone surrogate as U+FFFD: Python reads a byte that is not UTF-8 (a
    Latin-1 "café" piped in) as one, and nothing downstream can encode it; the replacement
    character is then refused where it stands, like any other stray character."""
    return _SURROGATE.sub("\ufffd", line)


def _forget_last() -> None:
    """Drop the newest history entry (a form's answer is no command to recall)."""
    import readline

    length = readline.get_current_history_length()
    if length:
        readline.remove_history_item(length - 1)


def _start_readline() -> Path | None:
    """Turn on line editing for `input` and load the history; the history file, if kept."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Python without readline (some Windows builds)
        return None
    setting = os.environ.get("OPSGATE_CONSOLE_HISTORY")
    if setting == "":
        return None
    path = Path(setting).expanduser() if setting else Path.home() / ".opsgate_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    return path
