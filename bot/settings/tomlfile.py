"""Reading a TOML file (``opsgate.toml``, a policy file), with one sentence for why it cannot be
read: a missing file, a directory, a file saved as UTF-16, TOML that does not parse."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class UnreadableToml(ValueError):
    """Why a TOML file cannot be read, in words (no errno, no traceback)."""


def read_toml(path: Path) -> dict[str, Any]:
    """The file's tables and keys.

    Raises:
        UnreadableToml: It is missing, a directory, unreadable, not UTF-8, or not TOML.
    """
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except IsADirectoryError:
        raise UnreadableToml("it is a directory, not a file") from None
    except OSError as exc:
        raise UnreadableToml((exc.strerror or str(exc)).lower()) from None
    except UnicodeDecodeError:
        # tomllib reads UTF-8 only; an editor's "Unicode" is often UTF-16.
        raise UnreadableToml("it is not UTF-8 text: save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableToml(f"not valid TOML: {exc}") from None
