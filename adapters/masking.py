"""Hiding the password a URL may carry (``https://user:password@host/``) in text shown to people.

An operator may write a password into a vendor's base URL (a proxy or gateway asking for Basic
credentials). Every URL opsgate shows (a dry run's request, a ``check`` line, an error, a log
line) passes through `hide_url_passwords`, so that password shows as `MASK` whichever plugin
wrote the text; the user name stays, to say which account it is.
"""

from __future__ import annotations

import re
from typing import Final

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
