"""Log lines as `OPSGATE_LOG_FORMAT=json` writes them, with the context each was written in."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.observability.logs import ContextFilter, JsonFormatter


@contextmanager
def json_lines(level: int = logging.INFO) -> Iterator[Callable[[], list[dict[str, str]]]]:
    """Inside the block, every logger's lines are kept; the function yielded returns them so
    far, each as the JSON object it was written as."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
