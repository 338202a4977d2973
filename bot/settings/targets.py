"""A database target (``OPSGATE_DB``, ``--db``, ``db copy --from/--to``): read in one place
(`parse_target`), and shown to people only without its password (`redacted`, `masked_error`).

A target is a SQLite file (a path, or SQLAlchemy's ``sqlite:///relative.db`` and
``sqlite:////absolute.db``) or a PostgreSQL URL (``postgresql://`` or ``postgres://``, any
case). Anything else is refused rather than taken for a file name: another scheme, or a libpq
``key=value`` string, which would then be shown whole, password and all, in "no database at".

A PostgreSQL URL carries a password in its user info (``postgresql://u:pw@host/db``) or as a
parameter (``?password=pw``, ``sslpassword``); a libpq ``key=value`` string as ``password=pw``.
`redacted` masks each of those wherever the text says it, and `masked_error` masks the password
in a driver's error text too (psycopg quotes a badly encoded one back).

Standard library only: the settings read targets, and the store names them in its errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final
from urllib.parse import unquote

MASK: Final = "****"
#: ``password=`` (or ``sslpassword=``) in a URL's query or a libpq key=value string, and its
#: value: up to the next ``&``, ``#`` or space, or a single-quoted libpq value.
_PARAMETER: Final = re.compile(
    r"(?i)((?:^|[?&\s])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s]*)"
)
#: A URL's scheme (``mysql://``).
_SCHEME: Final = re.compile(r"(?i)^([a-z][a-z0-9+.-]*)://")
#: A libpq ``key=value`` connection string (``host=db password=…``), which opsgate does not read.
_KEY_VALUE: Final = re.compile(r"\s*[A-Za-z_]+\s*=")
_POSTGRES: Final = frozenset({"postgresql", "postgres"})
_OTHERWISE: Final = (
    "give a file path (or sqlite:///relative.db, sqlite:////absolute.db) or a postgresql:// URL"
)


class UnreadableTarget(ValueError):
    """Why a target is neither a SQLite file nor a PostgreSQL URL (the message never holds its
    password)."""


def parse_target(text: str) -> Path | str:
    """`text` as a SQLite file's path, or as a PostgreSQL URL with its scheme in lower case.

    Raises:
        UnreadableTarget: Another scheme, ``sqlite://`` without a third slash, or a libpq
            key=value string.
    """
    text = text.strip()
    scheme = _SCHEME.match(text)
    if scheme is None:
        if _KEY_VALUE.match(text):
            raise UnreadableTarget(
                "a key=value connection string is not read: give a postgresql:// URL"
            )
        return Path(text)
    name, rest = scheme.group(1).lower(), text[scheme.end() :]
    if name in _POSTGRES:
        return f"{name}://{rest}"
    if name == "sqlite" and rest.startswith("/"):
        return Path(rest[1:])
    raise UnreadableTarget(f"{scheme.group(1)}://…: {_OTHERWISE}")


def redacted(target: str) -> str:
    """`target` with every password in it shown as ``****``."""
    text = _masked_query(target) if _SCHEME.match(target) else target
    text = _PARAMETER.sub(lambda m: m.group(1) + MASK, text)
    found = _userinfo(text)
    if found is None:
        return text
    start, end = found
    user, colon, _ = text[start:end].partition(":")
    if not colon:
        return text
    return f"{text[:start]}{user}:{MASK}{text[end:]}"


def passwords_in(target: str) -> list[str]:
    """The passwords `target` holds, as written and decoded (longest first)."""
    found = [m.group(2).strip("'") for m in _PARAMETER.finditer(target)]
    found += [value for _, value in _query_passwords(target)]
    span = _userinfo(target)
    if span is not None:
        _, colon, password = target[span[0] : span[1]].partition(":")
        found += [password] if colon else []
    forms = {form for password in found for form in (password, unquote(password)) if form}
    return sorted(forms, key=len, reverse=True)


def masked_error(text: str, target: str) -> str:
    """A driver's error `text` about `target`, with the target and its passwords masked (the
    user, database and host names it quotes are kept: they are no secrets).

    A password is masked where it stands as a word of its own (between characters that are
    not letters or digits), so a one-letter password does not eat every such letter."""
    text = text.replace(target, redacted(target))
    passwords = passwords_in(target)
    for password in passwords:
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(password)}(?![A-Za-z0-9])", MASK, text)
    if passwords:
        # libpq quotes back the part of a URL it could not read, which may hold a piece of
        # the password cut where libpq cut it: a quoted fragment is shown only when the target
        # without its passwords holds it (a user or database name, a host: no secrets).
        shown = redacted(target)
        public = (shown, unquote(shown))
        text = re.sub(
            r'"([^"]*)"', lambda m: m.group(0) if _within(m.group(1), public) else '"…"', text
        )
    return text


def _within(fragment: str, texts: tuple[str, ...]) -> bool:
    return any(fragment in text for text in texts)


def _query_passwords(target: str) -> list[tuple[int, str]]:
    """Each password parameter of a URL's query, as libpq reads it: the query is everything
    after the first ``?``, split at ``&`` only (a ``#``, a tab or a space stays in a value),
    and a key may be percent-encoded (``pass%77ord``). Each as (where its value starts, the
    value)."""
    if _SCHEME.match(target) is None or "?" not in target:
        return []
    found, at = [], target.index("?") + 1
    for piece in target[at:].split("&"):
        key, equals, value = piece.partition("=")
        if equals and unquote(key).strip().lower() in {"password", "sslpassword"}:
            found.append((at + len(key) + 1, value))
        at += len(piece) + 1
    return found


def _masked_query(target: str) -> str:
    """`target` with each password parameter's whole value (`_query_passwords`) masked."""
    for start, value in reversed(_query_passwords(target)):
        target = target[:start] + MASK + target[start + len(value) :]
    return target


def _userinfo(text: str) -> tuple[int, int] | None:
    """Where a URL's user info is (from after ``scheme://`` to its last ``@``), or None.

    The last ``@`` of all ends it: a password may hold an unencoded ``/``, ``?`` or ``@`` that
    a URL parser would read as the path, the query or the host. (An ``@`` in a query makes
    more of the URL hidden, never less.)"""
    scheme = _SCHEME.match(text)
    if scheme is None:
        return None
    start = scheme.end()
    at = text.rfind("@", start)
    return None if at < 0 else (start, at)
