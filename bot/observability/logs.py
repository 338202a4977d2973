"""Logging: text by default, or one JSON object per line (``OPSGATE_LOG_FORMAT=json``).

What a log line is about (``request_id``, ``operation``, ``actor``) lives in a context variable
that the code handling a request binds where it learns it (`log_context`, `bind`); a filter on
the handler copies it onto every record, so any module's plain ``log.info(...)`` carries it. The
worker pool runs each job in a copy of the submitter's context, so a vendor call's lines carry
the click that started it.

Example::

    with log_context(request_id="R-7K3F9QW2", actor="U0BOB"):
        log.info("approved")  # {"message": "approved", "request_id": "R-7K3F9QW2", ...}
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Final, TextIO

from adapters.masking import hide_url_passwords
from bot.model.shown import one_json_line
from bot.observability.redaction import hide_slack_secrets

#: The fields a line may carry about what it concerns, in output order.
CONTEXT_FIELDS: Final = ("request_id", "operation", "actor")
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"

_HANDLER_NAME: Final = "opsgate"
_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
#: Where opsgate's packages are (`_is_opsgates`).
_ROOT: Final = Path(__file__).resolve().parents[2]
_PACKAGES: Final = frozenset({"bot", "adapters", "commands"})
_CONTEXT: ContextVar[Mapping[str, str]] = ContextVar("opsgate_log_context", default=_EMPTY)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Add `fields` to every log line written inside the block (None values are skipped)."""
    token = _CONTEXT.set(_merged(fields))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


@contextmanager
def fresh_log_context() -> Iterator[None]:
    """Inside the block nothing is bound, whatever the surrounding code bound before."""
    token = _CONTEXT.set(_EMPTY)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind(**fields: str | None) -> None:
    """Add `fields` to the current context until it ends (a worker job, a `log_context`)."""
    _CONTEXT.set(_merged(fields))


def current_context() -> dict[str, str]:
    """What log lines written here would carry."""
    return dict(_CONTEXT.get())


def _merged(fields: Mapping[str, str | None]) -> dict[str, str]:
    known = {key: str(value) for key, value in fields.items() if value}
    return {**_CONTEXT.get(), **known}


class ContextFilter(logging.Filter):
    """Copies the current log context onto each record (``record.request_id``, …), and a text
    rendering of it onto ``record.context`` for the text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _CONTEXT.get()
        for key in CONTEXT_FIELDS:
            setattr(record, key, context.get(key))
        shown = " ".join(f"{key}={context[key]}" for key in CONTEXT_FIELDS if key in context)
        record.context = f" [{shown}]" if shown else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the context fields that are
    known, and the exception (as text) if any. A message's newlines stay inside its string, and
    so do U+2028, U+2029 and U+0085 (written escaped), which Unicode-aware readers split on."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": hide_slack_secrets(record.getMessage()),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value:
                line[key] = value
        if record.exc_info:
            line["exception"] = hide_slack_secrets(self.formatException(record.exc_info))
        text = json.dumps(line, ensure_ascii=False, default=str)
        return hide_url_passwords(one_json_line(text))


class TextFormatter(logging.Formatter):
    """`TEXT_FORMAT`, one line per record: a message's line breaks become `` | ``, and an
    exception is its type, first line and where it was raised, not a traceback of many lines
    (``OPSGATE_LOG_FORMAT=json`` keeps the whole traceback, in its ``exception`` field).

    Both formatters show a URL's password as ``****`` (`hide_url_passwords`): a vendor's base
    URL or a database URL may hold one, and any library may log the URL it was given; and any
    Slack token, response_url or webhook URL as ``[redacted]`` (`hide_slack_secrets`): slack_sdk
    logs them at DEBUG."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" | {_raised(record.exc_info[1])}"
        text = " | ".join(part.strip() for part in text.splitlines() if part.strip())
        return hide_url_passwords(hide_slack_secrets(text))


def _raised(exc: BaseException) -> str:
    """``Type: first line (at file:line in function)``: where it was raised, in one line; and,
    when that is in a library, ``from`` the last of opsgate's own frames that led there (a
    "database is locked" raised in the driver says nothing of what opsgate was doing)."""
    said = (str(exc).strip().splitlines() or [""])[0]
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    at = f" (at {_frame(frames[-1])}" if frames else ""
    own = [frame for frame in frames if _is_opsgates(frame.filename)]
    if frames and own and own[-1] is not frames[-1]:
        at += f", from {_frame(own[-1])}"
    at += ")" if frames else ""
    return f"{type(exc).__name__}: {said}{at}" if said else f"{type(exc).__name__}{at}"


def _frame(frame: traceback.FrameSummary) -> str:
    return f"{frame.filename}:{frame.lineno} in {frame.name}"


def _is_opsgates(filename: str) -> bool:
    """Whether `filename` is a module of opsgate's packages (not a library beside them)."""
    try:
        relative = Path(filename).resolve().relative_to(_ROOT)
    except ValueError:
        return False
    return relative.parts[0] in _PACKAGES if relative.parts else False


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not when configured."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # `handle` holds the handler's lock around `emit`
        super().emit(record)


def configure_logging(*, level: str, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every log record to `stream` (default: stderr) at `level`, as text or JSON lines.

    Calling it again replaces the handler it installed before; other handlers are left alone.
    """
    handler: logging.Handler = logging.StreamHandler(stream) if stream else _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO; vendor calls are in the audit log already.
    quieter = max(logging.WARNING, logging.getLevelNamesMapping()[level.upper()])
    logging.getLogger("httpx").setLevel(quieter)


def failure_line(problem: str, *, fmt: str = "text") -> str:
    """The one line a command ends with when it cannot go on: ``opsgate: <problem>``; or, for
    a service writing JSON logs (`fmt` ``json``), that line as one JSON log record (level
    ``CRITICAL``, logger ``opsgate``), so a log pipeline that reads stderr as JSON keeps the line
    that says why opsgate did not start."""
    if fmt != "json":
        return f"opsgate: {problem}"
    record = logging.makeLogRecord(
        {"name": "opsgate", "levelname": "CRITICAL", "levelno": logging.CRITICAL, "msg": problem}
    )
    return JsonFormatter().format(record)
