"""Slack secrets kept out of every log line, whoever wrote it (opsgate, Bolt, slack_sdk).

What must never reach a log: Slack's verification token, and a response_url (anyone holding
one may post to the channel for 30 minutes), as a form field, a JSON string, a Python dict's
repr (Bolt's warnings) or URL-encoded JSON (an interactive payload as posted), any Slack
webhook URL (GovSlack's too), plain, URL-encoded or JSON-escaped, and anything shaped like a
Slack token (``xoxb-…``, ``xoxp-…``, ``xapp-…``, ``xoxe-…``, a workflow step's ``xwfp-…``)
wherever it stands, though not inside a word (``boxapp-01`` is a name, not a token): a body
may quote one in a field of any name, or in a message's text; slack_sdk, at DEBUG, logs the
response_url it posts to and, in Socket Mode, each envelope as Slack sent it.
"""

from __future__ import annotations

import re
from typing import Final

#: Where a Slack token may start: not inside a word, a dotted or hyphenated name included
#: (``boxapp-01``, ``eu-xapp-2`` hold no token), but after anything else (a space, ``=``, ``:``,
#: a quote, ``Bearer ``), an escape included: a percent-escape (``%22xoxb-…``, ``%3Dxoxb-…``),
#: encoded again (``%2522xoxb-…``) or thrice, or a backslash-escape (``\nxoxb-…``, ``\u0022xoxb-…``
#: as .NET writes a quote, ``\x0bxoxb-…`` in a repr).
_LEFT_BOUNDARY: Final = (
    r"(?:(?<![\w.-])|(?<=%[0-9A-Fa-f]{2})|(?<=%25[0-9A-Fa-f]{2})|(?<=%2525[0-9A-Fa-f]{2})"
    r"|(?<=\\[nrtfbv])|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2}))"
)
#: Slack's token prefixes (bot, user, app-level, refresh, rotating ``xoxe.xoxp-…``, workflow
#: step…): ``xox`` and a letter, ``xapp``, ``xwfp``.
_TOKEN: Final = _LEFT_BOUNDARY + r"(?:xoxe\.)?(?:xox[a-z]|xapp|xwfp)-[A-Za-z0-9-]*"

#: Each secret's shape and what is shown in its place.
_SECRETS: Final = (
    (re.compile(_TOKEN, re.IGNORECASE), "[redacted]"),
    (re.compile(r"\b(\w*token|response_url)=[^&\s]*"), r"\1=[redacted]"),
    (
        re.compile(r'"(\w*token|response_url)"(\s*):(\s*)"(?:[^"\\]|\\.)*"'),
        r'"\1"\2:\3"[redacted]"',
    ),
    # A Python dict's repr (Bolt logs a request's parsed body so).
    (
        re.compile(r"'(\w*token|response_url)'(\s*):(\s*)'(?:[^'\\]|\\.)*'"),
        r"'\1'\2:\3'[redacted]'",
    ),
    # JSON in a form field (an interactive payload as posted): quotes are %22.
    (
        re.compile(r"%22(\w*token|response_url)%22%3A%22(?:%5C%22|(?!%22)[^&\s])*%22"),
        r"%22\1%22%3A%22[redacted]%22",
    ),
    (
        re.compile(
            r"https?(?::|%3A)(?:\\?/|(?:%5C)?%2F){2}hooks\.slack(?:-gov)?\.com"
            r"(?:(?!%22)[^\s\"'&])*",
            re.IGNORECASE,
        ),
        "[redacted]",
    ),
)
#: Text holding none of these cannot hold a secret of `_SECRETS` (most log lines).
_HINTS: Final = re.compile(r"xox|xapp|xwfp|token|response_url|hooks\.slack", re.IGNORECASE)


def hide_slack_secrets(text: str) -> str:
    """`text` with every Slack token, verification token, response_url and webhook URL in it
    shown as ``[redacted]``."""
    if not _HINTS.search(text):
        return text
    for secret, shown in _SECRETS:
        text = secret.sub(shown, text)
    return text
