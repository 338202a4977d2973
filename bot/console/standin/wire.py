"""Reading Web API requests the way Slack does: bearer tokens, query, form and JSON bodies.

slack_sdk sends JSON for some methods and form fields for others, and in a form body structured
fields (``blocks``, ``view``) arrive as JSON strings; the stand-in hands callers the structure.
`RecordedCall` is how the stand-in remembers each request it answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


def bearer_token(header: str | None) -> str | None:
    """The token from an ``Authorization: Bearer …`` header, or None."""
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query, form and JSON parameters; decode JSON-string fields like ``blocks``."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    text = body.decode("utf-8", "replace")
    if "json" in content_type and text.strip():
        loaded = json.loads(text)
        params.update(loaded if isinstance(loaded, dict) else {"_body": loaded})
    elif text:
        params.update(parse_qsl(text, keep_blank_values=True))
    return {key: _decode_json_field(key, value) for key, value in params.items()}


#: How a POST to a response URL is recorded.
RESPONSE_URL_METHOD = "response_url"
#: How a download of an uploaded file (``url_private``) is recorded.
FILE_DOWNLOAD_METHOD = "file_download"
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata", "outputs"})


def _decode_json_field(key: str, value: Any) -> Any:
    """Form bodies carry structured fields as JSON strings; give callers the structure."""
    if key in _JSON_FIELDS and isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


@dataclass(frozen=True)
class RecordedCall:
    """One Web API call or response_url post, as the stand-in received it.

    Attributes:
        method: The Web API method (``chat.postMessage``) or ``"response_url"``.
        params: The parsed parameters (query, form and JSON merged; JSON-string fields decoded).
        key: For a response_url post, the key given to `SlackStandIn.response_url`.
    """

    method: str
    params: dict[str, Any]
    key: str | None = field(default=None)
