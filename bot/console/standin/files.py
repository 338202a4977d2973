"""Files the Slack stand-in keeps, as Slack does after an upload: a file object whose
``url_private`` serves the bytes only to a request carrying a bot token (``files:read``).
No I/O here; `bot.console.standin.server` does the HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Final

FILES_PATH: Final = "/files-pri/"
_TYPES: Final = {".csv": ("csv", "text/csv"), ".txt": ("text", "text/plain")}


@dataclass(frozen=True)
class Served:
    """What the stand-in answers for a file URL: status, body, content type."""

    status: int
    body: bytes
    content_type: str


class FileStore:
    """Uploaded files by id."""

    def __init__(self, *, team_id: str) -> None:
        self._team_id = team_id
        self._files: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)

    def add(self, name: str, content: bytes, *, base_url: str) -> dict[str, Any]:
        """Keep a file; return its Slack file object (``id``, ``name``, ``url_private``, …)."""
        file_id = f"F{next(self._ids):08d}"
        self._files[file_id] = (name, content)
        filetype, mimetype = _TYPES.get(name[name.rfind(".") :].lower(), ("binary", "bin"))
        url = f"{base_url}{FILES_PATH}{self._team_id}-{file_id}/{name}"
        return {
            "id": file_id,
            "name": name,
            "title": name,
            "filetype": filetype,
            "mimetype": mimetype,
            "size": len(content),
            "url_private": url,
            "url_private_download": url.replace(f"{file_id}/", f"{file_id}/download/"),
        }

    def serve(self, path: str, *, token: str | None) -> Served:
        """Answer a GET of a file URL: 403 without a bot token, 404 for no such file."""
        if not (token or "").startswith("xoxb-"):
            return Served(403, b"forbidden: a bot token with files:read is needed", "text/plain")
        key = path.removeprefix(FILES_PATH).split("/", 1)[0]
        found = self._files.get(key.removeprefix(f"{self._team_id}-"))
        if found is None:
            return Served(404, b"not found", "text/plain")
        name, content = found
        return Served(200, content, _TYPES.get(name[name.rfind(".") :].lower(), ("", "bin"))[1])
