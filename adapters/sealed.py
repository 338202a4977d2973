"""A shared token kept sealed where replicas share it (`adapters.shared.TokenSlot`).

A vendor token in opsgate's database would let anyone who can read that database (a backup, a
role granted to read the audit log) call the vendor directly, approvals bypassed, until it
expires. `SealedSlot` stores the token and its refresh token encrypted and authenticated under
a key derived from the application's secret, which every replica of that application has and
the database never holds.

The sealing is deterministic (AES-SIV, RFC 5297): the same token seals to the same text, so the
slot's compare-and-set (`TokenSlot.replace`: "if the slot still holds what I saw") works on
sealed values unchanged. That reveals only whether two stored tokens are equal. The account's
name and the field are bound into each seal, so a value cannot be moved to another slot or field.

A stored value that does not open (written before sealing, or under another secret after a
rotation) reads as no token: the next use logs in again and replaces it.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import replace as copied
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from adapters.errors import NotConfigured
from adapters.shared import SharedFetcher, SharedToken, TokenSlot

#: What a sealed value starts with, so a stored value says how it is kept.
PREFIX: Final = "sealed-v1:"
_INFO: Final = b"opsgate token slot\x00"


class SealedSlot:
    """`slot`, with the tokens it stores sealed under a key derived from `secret`; `account`
    names the slot (``<vendor>:…``, as `adapters.shared.Shared.token_slot` takes it)."""

    def __init__(self, slot: TokenSlot, *, secret: str, account: str) -> None:
        key = HKDF(algorithm=SHA256(), length=64, salt=None, info=_INFO + account.encode())
        self._siv = AESSIV(key.derive(secret.encode()))
        self._account = account.encode()
        self._vendor = account.split(":", 1)[0]
        self._slot = slot
        self._read = threading.local()

    def read(self) -> SharedToken | None:
        stored = self._slot.read()
        # What this thread saw, as stored, for `replace` to compare: a token that does not
        # open reads as none, and "none" must then mean that stored value, not an empty slot.
        self._read.stored = None if stored is None else stored.value
        return self._opened(stored)

    def replace(self, seen: str | None, fetch: SharedFetcher) -> SharedToken:
        fetched: list[SharedToken] = []

        def sealed_fetch(current: SharedToken | None) -> SharedToken:
            fetched.append(fetch(self._opened(current)))
            return self._sealed(fetched[-1])

        stored = self._slot.replace(self._seen(seen), sealed_fetch)
        opened = self._opened(stored)
        if opened is None:  # another replica's, sealed under another secret: ours replaces it
            opened = self._opened(self._slot.replace(stored.value, sealed_fetch))
        if opened is None and fetched:  # and theirs replaced ours again: use the one we got
            opened = fetched[-1]
        if opened is None:
            raise NotConfigured(
                "the token this application's replicas share is sealed under another secret",
                vendor=self._vendor,
                next_step="Give every replica of this application the same secret.",
            )
        return opened

    def _seen(self, seen: str | None) -> str | None:
        """What the slot holds if it still holds what the caller saw: `seen` sealed, or, when
        the caller saw no token, what this thread's last `read` found stored."""
        if seen is not None:
            return self._seal(seen, b"value")
        stored: str | None = getattr(self._read, "stored", None)
        return stored

    def _sealed(self, token: SharedToken) -> SharedToken:
        refresh = token.refresh_token
        return copied(
            token,
            value=self._seal(token.value, b"value"),
            refresh_token=None if refresh is None else self._seal(refresh, b"refresh"),
        )

    def _opened(self, token: SharedToken | None) -> SharedToken | None:
        if token is None:
            return None
        value = self._open(token.value, b"value")
        if value is None:
            return None
        refresh = token.refresh_token
        opened_refresh = None if refresh is None else self._open(refresh, b"refresh")
        return copied(
            token,
            value=value,
            refresh_token=opened_refresh,
            refresh_expires_at=None if opened_refresh is None else token.refresh_expires_at,
        )

    def _seal(self, text: str, field: bytes) -> str:
        sealed = self._siv.encrypt(text.encode(), [self._account, field])
        return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def _open(self, stored: str, field: bytes) -> str | None:
        if not stored.startswith(PREFIX):
            return None
        try:
            sealed = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
            return self._siv.decrypt(sealed, [self._account, field]).decode()
        except (binascii.Error, UnicodeError, ValueError, InvalidTag):
            return None
