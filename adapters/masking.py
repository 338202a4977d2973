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
