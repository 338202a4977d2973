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
#: A single- or double-quoted fragment of a driver's error (a single quote only after a
#: character that is no letter or digit, so "doesn't" opens no fragment).
_QUOTED: Final = re.compile(r"(\"|(?<![A-Za-z0-9])')(.*?)\1", re.DOTALL)
#: The shortest piece of a password `masked_error` masks wherever a word holds it.
_PIECE_LENGTH: Final = 4
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
        UnreadableTarget: Another scheme, ``sqlite://`` without a third slash, a libpq
            key=value string, or no file at all (only spaces, ``sqlite:///``).
    """
    text = text.strip()
    scheme = _SCHEME.match(text)
    if scheme is None:
        if _KEY_VALUE.match(text):
            raise UnreadableTarget(
                "a key=value connection string is not read: give a postgresql:// URL"
            )
        return _file(text)
    name, rest = scheme.group(1).lower(), text[scheme.end() :]
    if name in _POSTGRES:
        _refuse_unencoded_at(rest)
        return f"{name}://{rest}"
    if name == "sqlite" and rest.startswith("/"):
        return _file(rest[1:])
    raise UnreadableTarget(f"{scheme.group(1)}://…: {_OTHERWISE}")


def _file(path: str) -> Path:
    """`path` as a SQLite file's path; a path of nothing (only spaces, ``sqlite:///``) is
    refused, rather than read as ``.``, the working folder.

    Raises:
        UnreadableTarget: It names no file.
    """
    if not path.strip():
        raise UnreadableTarget(f"names no file: {_OTHERWISE}")
    return Path(path)


def _refuse_unencoded_at(rest: str) -> None:
    """Refuse a URL (after ``scheme://``) whose user info holds a raw ``@``: more than one
    ``@`` before the query. libpq ends the user info at the first ``@`` and takes the rest of
    the password for the host, which its errors then quote back; opsgate masks up to the last
    ``@``. Rather than guess, the password must say ``%40``.

    Raises:
        UnreadableTarget: Saying so, without any of the password.
    """
    if rest.split("?", 1)[0].count("@") > 1:
        raise UnreadableTarget(
            "the URL holds more than one @ before its query: percent-encode each @ in the "
            "password as %40"
        )


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
    not letters or digits), so a one-letter password does not eat every such letter. A driver
    may cut a password elsewhere than opsgate does (at an ``@``, ``:`` or ``/``), so any word
    holding a longer piece of one is masked whole too (`_pieces`)."""
    text = text.replace(target, redacted(target))
    passwords = passwords_in(target)
    for password in passwords:
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(password)}(?![A-Za-z0-9])", MASK, text)
    if passwords:
        # libpq and psycopg quote back the part of a URL they could not read, which may hold a
        # piece of the password cut where they cut it: a quoted fragment is shown only when the
        # target without its passwords holds it (a user or database name, a host: no secrets).
        shown = redacted(target)
        public = (shown, unquote(shown))
        text = _QUOTED.sub(
            lambda m: m.group(0) if _within(m.group(2), public) else f"{m.group(1)}…{m.group(1)}",
            text,
        )
        pieces = _pieces(passwords)
        text = re.sub(r"\S+", lambda m: MASK if _holds(m.group(0), pieces) else m.group(0), text)
    return text


def _pieces(passwords: list[str]) -> set[str]:
    """The parts of `passwords`, cut at each ``@``, ``:`` and ``/``, that are long enough to
    be told from ordinary words (`_PIECE_LENGTH`)."""
    cut = (piece for password in passwords for piece in re.split(r"[@:/]", password))
    return {piece for piece in cut if len(piece) >= _PIECE_LENGTH}


def _holds(word: str, pieces: set[str]) -> bool:
    return any(piece in word for piece in pieces)


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
