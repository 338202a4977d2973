"""How the values of the service settings are read: durations and byte sizes.

`bot.settings.core` declares the fields (``OPSGATE_HTTP_*``, ``OPSGATE_SHUTDOWN_GRACE``,
``OPSGATE_LOG_FORMAT``); the parsers live here so that module stays a readable list of fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

from pydantic_core import PydanticCustomError

from adapters.settings import capped_int
from bot.settings.targets import UnreadableTarget, parse_target, redacted

# The policy's ttl syntax (SPEC §3): "90s", "30m", "2h", "1h30m", "1d".
_DURATION: Final = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_HELP: Final = 'must be a duration such as "30s", "2m", "1h30m" or "90s"'
#: A fraction of a second (``0.5``, ``1.5s``): a duration, but not one the syntax writes.
_FRACTION: Final = re.compile(r"\d*\.\d+s?")
_WHOLE_HELP: Final = 'must be whole seconds, such as "1s" or "90s"'
_SIZE: Final = re.compile(r"(\d+)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?", re.IGNORECASE)
_SIZE_UNITS: Final = {
    **{"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024},
    **{"m": 1024**2, "mb": 1000**2, "mib": 1024**2},
    **{"g": 1024**3, "gb": 1000**3, "gib": 1024**3},
}


def parse_duration(value: object) -> timedelta:
    """Read a duration in the policy's ttl syntax; a whole number counts as seconds (a decimal,
    ``1.5`` or ``2.0``, written in the environment or in ``opsgate.toml``, is refused).

    Raises:
        PydanticCustomError: Not such a duration, or negative.
    """
    if isinstance(value, timedelta):
        return _not_negative(value)
    try:
        return _not_negative(_duration(value))
    except OverflowError:  # past timedelta's largest, 999,999,999 days
        raise PydanticCustomError("duration", "is too long") from None
    except PydanticCustomError:
        raise
    except ValueError:  # NaN seconds, or a digit int() does not read, such as "²"
        raise PydanticCustomError("duration", _DURATION_HELP) from None


def _duration(value: object) -> timedelta:
    if isinstance(value, float):  # a TOML decimal: refused as "1.5" is in the environment
        raise PydanticCustomError("whole_seconds", _WHOLE_HELP)
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and value.strip().isdigit():
        return timedelta(seconds=capped_int(value.strip()))
    if (
        isinstance(value, str)
        and (match := _DURATION.fullmatch(value.strip()))
        and any(match.groups())
    ):
        days, hours, minutes, seconds = (capped_int(part or "0") for part in match.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if isinstance(value, str) and _FRACTION.fullmatch(value.strip()):
        raise PydanticCustomError("whole_seconds", _WHOLE_HELP)
    raise PydanticCustomError("duration", _DURATION_HELP)


def _not_negative(duration: timedelta) -> timedelta:
    if duration < timedelta(0):
        raise PydanticCustomError("duration", "must not be negative")
    return duration


def parse_timeout(value: object) -> timedelta:
    """`parse_duration` for a timeout of whole seconds, from one (`at_least_a_second`): a
    fraction (``0.5s``) is told both."""
    try:
        return parse_duration(value)
    except PydanticCustomError as exc:
        if exc.type == "whole_seconds":
            raise PydanticCustomError(
                "whole_seconds", 'must be whole seconds, at least "1s"'
            ) from None
        raise


def at_least_a_second(value: timedelta) -> timedelta:
    """Refuse a timeout under a second: waitress counts whole seconds, and a connection closed
    after no time at all drops any client that pauses mid-request."""
    if value < timedelta(seconds=1):
        raise PydanticCustomError("duration", 'must be at least "1s"')
    return value


def at_most_a_day(value: timedelta) -> timedelta:
    """Refuse a shutdown grace over a day: no supervisor waits longer, and a wait past
    ``threading.TIMEOUT_MAX`` (about 292 years) would fail at the moment SIGTERM arrives."""
    if value > timedelta(days=1):
        raise PydanticCustomError("duration", 'must be at most "24h"')
    return value


def parse_size(value: object) -> int:
    """Read a size in bytes: ``1048576``, ``512KiB``, ``2MiB``, ``1MB`` (k, m, g are binary).

    Raises:
        PydanticCustomError: Not such a size.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and (match := _SIZE.fullmatch(value.strip())):
        return capped_int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()]
    raise PydanticCustomError("size", 'must be a size in bytes such as "1048576" or "2MiB"')


def in_range(low: int, high: int) -> Callable[[int], int]:
    """A validator refusing whole numbers outside ``low..high`` (inclusive)."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise PydanticCustomError("range", f"must be between {low} and {high}")
        return value

    return check


def _shown_size(size: int) -> str:
    """``1024`` as ``1KiB``: a size in the largest binary unit it is a whole number of, as
    README writes them."""
    for unit in ("GiB", "MiB", "KiB"):
        if size and size % _SIZE_UNITS[unit.lower()] == 0:
            return f"{size // _SIZE_UNITS[unit.lower()]}{unit}"
    return f"{size}B"


def size_in_range(low: int, high: int) -> Callable[[int], int]:
    """`in_range` for a size, which says its range in units and in bytes."""

    def check(size: int) -> int:
        if not low <= size <= high:
            raise PydanticCustomError(
                "range",
                f"must be between {_shown_size(low)} and {_shown_size(high)} "
                f"({low} and {high} bytes)",
            )
        return size

    return check


def database_target(value: object) -> Path | str:
    """``OPSGATE_DB``: a SQLite file's path or a PostgreSQL URL (`parse_target`)."""
    if isinstance(value, str):
        try:
            return parse_target(value)
        except UnreadableTarget as exc:
            raise PydanticCustomError("database", str(exc)) from None
    if isinstance(value, Path):  # the default, or a path given in code
        return value
    raise PydanticCustomError("database", "must be a file path or a postgresql:// URL (a string)")


def shown_database(value: object) -> str:
    """The database for people: any password in it becomes ``****``."""
    return redacted(str(value))
