"""Reading a TOML file (``opsgate.toml``, a policy file), with one sentence for why it cannot be
read: a missing file, a directory, a device, a file too large, a file saved as UTF-16, TOML that
does not parse or nests too deeply."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any, Final

#: The largest file read. Far more than any settings or policy file needs, and a bound on what a
#: wrong path (a log, a disk image) can make opsgate read into memory.
MAX_BYTES: Final = 1024 * 1024


class UnreadableToml(ValueError):
    """Why a TOML file cannot be read, in words (no errno, no traceback)."""


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables and keys.

    Raises:
        UnreadableToml: It is missing, a directory or anything else but a regular file, larger
            than `MAX_BYTES`, unreadable, not UTF-8, or not TOML.
    """
    try:
        return _parsed(_read_capped(path))
    except IsADirectoryError:
        raise UnreadableToml("it is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableToml((exc.strerror or str(exc)).lower()) from None


def _read_capped(path: Path) -> bytes:
    """The file's bytes; refused unless it is a regular file of at most `MAX_BYTES`.

    Checked before opening it: opening a FIFO would wait for a writer, and a device such as
    ``/dev/zero`` never ends.
    """
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError
    if not stat.S_ISREG(mode):
        raise UnreadableToml("it is not a regular file")
    with path.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableToml("it is larger than 1 MiB, more than a settings or policy file needs")
    return data


def _parsed(data: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        # tomllib reads UTF-8 only; an editor's "Unicode" is often UTF-16.
        raise UnreadableToml("it is not UTF-8 text: save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableToml(f"not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses arrays and inline tables recursively
        raise UnreadableToml("not valid TOML: nested too deeply") from None
