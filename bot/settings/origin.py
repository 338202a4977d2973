"""Where a setting was read from, so a bad one is named as it was written (SPEC §6).

A value from the environment is named by its variable and its TOML key,
``OPSGATE_WORKERS (workers): …``; a value from ``opsgate.toml`` by the file and the key written
there, ``opsgate.toml: workers: …``, as policy errors are. The environment wins over the file,
so it is asked first; a setting found in neither (a missing credential) keeps both names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

#: The table of the settings file that holds the policy: the policy reads it, the settings never.
POLICY_TABLE: Final = "policy"

#: A TOML bare key; any other key is written quoted (``"a.b"``).
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_PREFIX: Final = "OPSGATE_"


@dataclass(frozen=True)
class Sources:
    """What `load_settings` read: the environment, and the TOML file with its data.

    Attributes:
        environ: The environment variables.
        toml_file: The TOML file, as named (``OPSGATE_CONFIG``, else ``opsgate.toml``); None
            when there was none.
        toml_data: Its settings.
    """

    environ: Mapping[str, str]
    toml_file: Path | None = None
    toml_data: Mapping[str, Any] | None = None

    def sets_variable(self, variable: str) -> bool:
        """True when the environment gives `variable` a value (names are not case-sensitive;
        an empty value counts as not set, as when the settings are read)."""
        wanted = variable.upper()
        return any(key.upper() == wanted and value != "" for key, value in self.environ.items())

    def written_in_file(self, model: type[BaseModel], path: list[str]) -> str | None:
        """The top-level key the file sets the setting at `path` with (a field's name or its
        alias, e.g. ``SLACK_BOT_TOKEN``), or None when the file does not set it."""
        if not path or not self.toml_data:
            return None
        info = model.model_fields.get(path[0])
        alias = info.validation_alias if info is not None else None
        names = [path[0], *([alias] if isinstance(alias, str) else [])]
        written = next((name for name in names if name in self.toml_data), None)
        node: Any = self.toml_data.get(written) if written is not None else None
        for part in path[1:]:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return written


def toml_key(parts: list[str]) -> str:
    """A dotted TOML key, quoting any part that is not a bare key (``acme."a.b"``)."""
    return ".".join(part if _BARE_KEY.fullmatch(part) else json.dumps(part) for part in parts)


def file_key_for_variable(model: type[BaseModel], key: str) -> str | None:
    """The file's key for a setting written in the file under its variable's name
    (``OPSGATE_DB`` is ``db``, ``OPSGATE_ACME__TOKEN`` is ``acme.token``), if any."""
    if not key.upper().startswith(_PREFIX):
        return None
    parts = key[len(_PREFIX) :].lower().split("__")
    fields = model.model_fields
    for part in parts[:-1]:
        info = fields.get(part)
        table = info.annotation if info is not None else None
        if not (isinstance(table, type) and issubclass(table, BaseModel)):
            return None
        fields = table.model_fields
    return ".".join(parts) if parts[-1] in fields else None
