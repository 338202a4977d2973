"""A stand-in for the console's line reader: a person typing a fixed list of lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TextIO


class TypedLines:
    """Reads `LINES` one after another (an empty list: Ctrl-D), echoing each after its prompt
    as a terminal shows it. A subclass names its lines; `lines` is this reader's own copy."""

    LINES: ClassVar[tuple[str | None, ...]] = ()

    def __init__(self, stdin: TextIO, say: Callable[[str], None], *, interactive: bool) -> None:
        del stdin
        self.interactive = interactive
        self._say = say
        self.lines: list[str | None] = list(self.LINES)

    def read(self, prompt: str, *, answer: bool = False) -> str | None:
        del answer
        line = self.lines.pop(0) if self.lines else None
        self._say(f"{prompt}{line or ''}")
        return line

    def close(self) -> None:
        """Nothing to keep."""
