"""A database target (``OPSGATE_DB``, ``--db``, ``db copy --from/--to``) as people may see it:
never with its password.

A PostgreSQL URL carries a password in its user info (``postgresql://u:pw@host/db``) or as a
parameter (``?password=pw``, ``sslpassword``); a libpq ``key=value`` string carries it as
``password=pw``. `redacted` masks each of those wherever the text says it, and `masked_error`
masks the password in a driver's error text too (psycopg quotes a badly encoded one back).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote

MASK: Final = "****"
#: ``password=`` (or ``sslpassword=``) in a URL's query or a libpq key=value string, and its
#: value: up to the next ``&``, ``#`` or space, or a single-quoted libpq value.
_PARAMETER: Final = re.compile(
    r"(?i)((?:^|[?&\s])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s]*)"
)
#: ``scheme://`` and the authority (user info and host), up to the path, query or fragment.
_AUTHORITY: Final = re.compile(r"(?i)^([a-z][a-z0-9+.-]*://)([^/?#]*)")


#: A libpq ``key=value`` connection string (``host=db password=…``), which opsgate does not read.
_KEY_VALUE: Final = re.compile(r"\s*[A-Za-z_]+\s*=")
#: A URL's scheme (``mysql://``).
_SCHEME: Final = re.compile(r"(?i)^([a-z][a-z0-9+.-]*)://")


def unreadable_target(target: str) -> str | None:
    """Why `target` is neither a SQLite file nor a ``postgresql://`` URL, or None when it is
    one: another URL scheme, or a libpq key=value string (read as a file name, it would be
    neither found nor, in an error, kept from showing its password)."""
    scheme = _SCHEME.match(target)
    if scheme is not None and scheme.group(1).lower() not in {"postgresql", "postgres", "sqlite"}:
        return f"{scheme.group(1)}://…: give a file path or a postgresql:// URL"
    if scheme is None and _KEY_VALUE.match(target):
        return "a key=value connection string is not read: give a postgresql:// URL"
    return None


def redacted(target: str) -> str:
    """`target` with every password in it shown as ``****``."""
    text = _PARAMETER.sub(lambda m: m.group(1) + MASK, target)
    found = _AUTHORITY.match(text)
    if found is None:
        return text
    userinfo, at, host = found.group(2).rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not (at and colon):
        return text
    return f"{found.group(1)}{user}:{MASK}@{host}{text[found.end() :]}"


def passwords_in(target: str) -> list[str]:
    """The passwords `target` holds, as written and decoded (longest first)."""
    found = [m.group(2).strip("'") for m in _PARAMETER.finditer(target)]
    authority = _AUTHORITY.match(target)
    if authority is not None:
        userinfo, at, _ = authority.group(2).rpartition("@")
        _, colon, password = userinfo.partition(":")
        found += [password] if at and colon else []
    forms = {form for password in found for form in (password, unquote(password)) if form}
    return sorted(forms, key=len, reverse=True)


def masked_error(text: str, target: str) -> str:
    """A driver's error `text` about `target`, with the target and its passwords masked."""
    text = text.replace(target, redacted(target))
    for password in passwords_in(target):
        text = text.replace(password, MASK)
    return text
