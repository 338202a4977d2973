"""Hiding the password a URL may carry (``https://user:password@host/``) in text shown to people,
and a known secret in any form a request carries it (`hide_secret`).

An operator may write a password into a vendor's base URL (a proxy or gateway asking for Basic
credentials). Every URL opsgate shows (a dry run's request, a ``check`` line, an error, a log
line) passes through `hide_url_passwords`, so that password shows as `MASK` whichever plugin
wrote the text; the user name stays, to say which account it is.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Iterator
from typing import Final
from urllib.parse import quote, quote_plus

MASK: Final = "****"

#: ``scheme://user:`` then the password, up to the last ``@`` before the host (a password may
#: hold an ``@`` of its own), never past a space, ``/``, ``?`` or ``#``.
_URL_PASSWORD: Final = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:)[^\s/?#]*@")


def hide_url_passwords(text: str) -> str:
    """`text` with the password of every URL in it shown as `MASK`."""
    if "://" not in text:  # most text holds no URL: skip the expression
        return text
    return _URL_PASSWORD.sub(lambda found: f"{found['head']}{MASK}@", text)


#: Headers that carry a credential whatever the vendor: a dry run never shows their value, even
#: from a plugin that forgot to name them in `VendorCall.from_request(secret_headers=...)`.
CREDENTIAL_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"}
)
#: An authorization scheme (``Bearer``, ``Basic``, ...) and the credential after it.
_SCHEME: Final = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +\S")


def hide_credential(name: str, value: str) -> str:
    """`value` of the header `name`, its credential shown as `MASK` when `name` is one of
    `CREDENTIAL_HEADERS`: the scheme stays (``Bearer ****``), to say what kind it is."""
    if name.lower() not in CREDENTIAL_HEADERS or value.strip() in ("", MASK):
        return value
    scheme = _SCHEME.match(value) if name.lower().endswith("authorization") else None
    return f"{scheme['scheme']} {MASK}" if scheme else MASK


def written_forms(secret: str) -> set[str]:
    """`secret` as written, and as a URL's query (either case of hex), a JSON string (as
    Python, PHP/Java with ``\\/``, or .NET write it), an HTML page or base64 would carry it (an
    error message quoting the request it failed to send shows it so)."""
    # Bytes the environment could not decode are kept as they came (surrogate escapes), so
    # masking never fails on a secret that is not valid UTF-8.
    raw = secret.encode(errors="surrogateescape")
    percent = {quote(raw, safe=""), quote_plus(raw, safe="")}
    in_json = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {
        secret,
        *percent,
        *(_LOWER_HEX.sub(lambda found: found[0].lower(), form) for form in percent),
        *in_json,
        *(form.replace("/", "\\/") for form in in_json),  # PHP's and Java's "\/"
        _dotnet_json(secret),
        html.escape(secret, quote=False),
        html.escape(secret),
        *_base64_forms(raw),
    } - {""}


#: A percent-encoded byte, to write it in lower case as some stacks do.
_LOWER_HEX: Final = re.compile(r"%[0-9A-F]{2}")
#: What .NET's System.Text.Json escapes by default besides non-ASCII and control characters.
_DOTNET_ESCAPED: Final = frozenset("\"&'+<>`")


def _dotnet_json(secret: str) -> str:
    """`secret` in a JSON string as .NET's default encoder writes it (``\\u0026`` for ``&``)."""
    out = []
    for char in secret:
        if char == "\\":
            out.append("\\\\")
        elif char in _DOTNET_ESCAPED or not " " <= char <= "~":
            units = char.encode("utf-16-be", "surrogatepass")
            out += [f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2)]
        else:
            out.append(char)
    return "".join(out)


def _base64_forms(raw: bytes) -> Iterator[str]:
    """The base64 characters that `raw` alone decides, at each of the three places it can
    start within a longer encoded text (so ``user:secret`` in a Basic header is masked too),
    in both alphabets; none when fewer than four would be masked."""
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + raw).decode()
        # The first characters carry bits of the bytes before it, the last of the bytes after.
        form = encoded[(8 * offset + 5) // 6 : 8 * (offset + len(raw)) // 6]
        if len(form) >= 4:
            yield form
            yield form.replace("+", "-").replace("/", "_")


def hide_secret(text: str, secret: str) -> str:
    """`text` with `secret`, in every form `written_forms` knows, shown as `MASK`."""
    return hide_secrets(text, (secret,))


#: A secret shorter than this (a test's ``t``, a lab's ``tok``) is masked where it stands whole,
#: not inside a longer word: masked anywhere, ``tok`` would make ``token`` read ``****en``.
SHORT_SECRET: Final = 6


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets`, in every form `written_forms` knows, shown as `MASK`:
    wherever it stands; but a secret shorter than `SHORT_SECRET` only where it stands whole
    (no letter, digit or ``_`` glued to it), except in base64, whose run it is always inside."""
    anywhere: set[str] = set()
    whole: set[str] = set()
    for secret in secrets:
        forms = written_forms(secret)
        if len(secret) >= SHORT_SECRET:
            anywhere |= forms
        else:
            encoded = set(_base64_forms(secret.encode(errors="surrogateescape")))
            anywhere |= forms & encoded
            whole |= forms - encoded
    # Longest first: a form inside a longer one (of the same secret or another) must not leave
    # the rest of the longer showing.
    for form in sorted(anywhere | whole, key=len, reverse=True):
        if form in anywhere:
            text = text.replace(form, MASK)
        elif form in text:
            text = _standing_whole(form).sub(MASK, text)
    return text


def _standing_whole(form: str) -> re.Pattern[str]:
    """`form` where no word character is glued to it: on each side where it starts or ends
    with one (a form ending in ``=`` or ``%`` has no word of its own to be inside there)."""
    before = r"(?<!\w)" if re.match(r"\w", form) else ""
    after = r"(?!\w)" if re.search(r"\w\Z", form) else ""
    return re.compile(before + re.escape(form) + after)
