"""The base of every vendor plugin's settings (``OPSGATE_<VENDOR>__<FIELD>``, ``[<vendor>]``).

A plugin's settings model subclasses `VendorSettings`, declares its fields, and states its
credential rule as data: `VendorSettings.required_together` (groups of fields that are set all
together or not at all) and `VendorSettings.url_fields` (fields that must be http(s) URLs a
request can be built on: `check_url`). The base class checks both whenever a model is built, so a
half-configured vendor or a malformed URL stops start-up with an error naming the key. A vendor
whose rule is not "these go together" overrides `VendorSettings.check_credentials` and raises
`missing_credential`. A blank secret (empty, or only whitespace) counts as not set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Final, Self
from urllib.parse import urlsplit

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

#: A vendor's default deadline, in timeouts (`VendorSettings.call_deadline`): connecting,
#: sending and the answer may each take up to `VendorSettings.timeout` and still finish.
TIMEOUTS_PER_CALL: Final = 3


class VendorSettings(BaseModel):
    """One vendor's connection settings. Frozen; unknown keys are refused.

    Attributes:
        required_together: Groups of field names: once one field of a group is set, each of
            the others is required too. The first group is the vendor's credentials (see
            `configured`).
        url_fields: Fields holding a base URL: each must be an http:// or https:// URL with a
            host, a valid port if any, and no spaces (`check_url`).
        header_secrets: Secret fields a request carries in a header as they are (a bearer
            token): each must be printable ASCII without spaces (`checked_secret`).
        credential_urls: URL fields whose requests carry a credential a listener could use
            (the secret, a bearer token), each with what they carry (``"every call sends the
            bearer token"``): plain http to another machine is warned about at start-up
            (`adapters.cleartext`).
        timeout: Seconds to wait for the vendor before giving up on a call (more than 0, at
            most 300): on connecting, on each read and on each write.
        deadline: Seconds one call may take in all, connecting, sending and reading the whole
            answer (more than 0, at most 900); by default `TIMEOUTS_PER_CALL` times `timeout`
            (`call_deadline`). A vendor that keeps answering a byte at a time never trips
            `timeout`; it does trip this.
    """

    # Defaults are validated too, so a plugin whose default is out of its own bounds is refused
    # at start-up (`check_plugin`) rather than used by an adapter configured without that key.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    required_together: ClassVar[tuple[tuple[str, ...], ...]] = ()
    url_fields: ClassVar[tuple[str, ...]] = ()
    header_secrets: ClassVar[tuple[str, ...]] = ()
    credential_urls: ClassVar[Mapping[str, str]] = {}

    timeout: float = Field(default=10.0, gt=0, le=300, allow_inf_nan=False)
    deadline: float | None = Field(default=None, gt=0, le=900, allow_inf_nan=False)

    @property
    def call_deadline(self) -> float:
        """Seconds one call may take in all: `deadline`, or `TIMEOUTS_PER_CALL` times `timeout`
        (so a call whose connect, send and answer each take up to `timeout` is never cut)."""
        return self.deadline if self.deadline is not None else TIMEOUTS_PER_CALL * self.timeout

    @property
    def configured(self) -> bool:
        """True when enough credentials are present to call the real vendor.

        By default: every field of the first `required_together` group is set. Override it
        when the vendor accepts more than one kind of credential.
        """
        if not self.required_together:
            return False
        return all(is_set(getattr(self, name)) for name in self.required_together[0])

    @field_validator("*")
    @classmethod
    def _readable_text(cls, value: Any, info: ValidationInfo) -> Any:
        """A secret of only whitespace counts as not set, as an empty one does (and as a blank
        Slack secret does): ``"   "`` is a paste gone wrong, never a credential. A secret is one
        line of valid UTF-8 (`checked_secret`), and printable ASCII without spaces if it goes
        into a header (`header_secrets`); any other text or path must be valid UTF-8, which
        the environment may not give."""
        if isinstance(value, SecretStr):
            return checked_secret(value, header=info.field_name in cls.header_secrets)
        if isinstance(value, str | Path) and not_utf8(str(value)):
            raise PydanticCustomError("not_utf8", NOT_UTF8)
        return value

    @model_validator(mode="after")
    def _credentials_complete(self) -> Self:
        self.check_credentials()
        return self

    def check_credentials(self) -> None:
        """Refuse a bad URL, or some but not all fields of a `required_together` group.

        Override to add a vendor's own rule (call this first).

        Raises:
            PydanticCustomError: With ``ctx["field"]`` naming the offending field.
        """
        for name in self.url_fields:
            value = getattr(self, name)
            if value is not None:
                check_url(value, field=name)
        for group in self.required_together:
            present = [name for name in group if is_set(getattr(self, name))]
            missing = [name for name in group if name not in present]
            if present and missing:
                raise missing_credential(missing[0], given=present[0])


def is_set(value: Any) -> bool:
    """True for a value that counts as given: not None, not empty (a blank secret neither)."""
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value().strip())
    return value is not None and value != ""


def blank_secret_is_unset(value: SecretStr | None) -> SecretStr | None:
    """None for a secret that is empty or only whitespace: such a secret counts as not set."""
    if value is None or not value.get_secret_value().strip():
        return None
    return value


def checked_secret(value: SecretStr | None, *, header: bool = True) -> SecretStr | None:
    """`value` without a trailing line break (a file read with its last newline), or None
    when blank (`blank_secret_is_unset`).

    Raises:
        PydanticCustomError: ``secret_text``: it is not valid UTF-8, or holds a line break or
            a control character; or, for a secret that goes into a `header`, a space or a
            character that is not ASCII. The message says which, never the value.
    """
    if value is None:
        return None
    text = value.get_secret_value().rstrip("\r\n")
    problem = _secret_problem(text, header=header) if text.strip() else None
    if problem:
        raise PydanticCustomError("secret_text", problem)
    return blank_secret_is_unset(value if text == value.get_secret_value() else SecretStr(text))


#: What a setting whose text the environment could not decode is told.
NOT_UTF8: Final = "is not valid UTF-8"


def not_utf8(text: str) -> bool:
    """True for text that holds bytes no UTF-8 decoder read (Python's surrogate escapes)."""
    return any("\udc80" <= c <= "\udcff" for c in text)


def _secret_problem(text: str, *, header: bool) -> str | None:
    if not_utf8(text):
        return NOT_UTF8
    if "\n" in text or "\r" in text:
        return "must be one line: it holds a line break"
    if not text.isprintable():  # a space is printable; a tab or an escape is not
        return "must not hold control characters"
    if header and not text.isascii():
        return "must be ASCII: it holds another character (a pasted … or a curly quote?)"
    if header and " " in text:
        return "must not hold spaces"
    return None


def check_url(value: str, *, field: str | None = None) -> None:
    """Refuse anything but an absolute http:// or https:// URL a request can be built on: a
    host, a port from 1 to 65535 when one is written, no user name or password, and no spaces
    or control characters.

    Plain http is allowed on purpose: simulators and tests serve it. Checked here, at settings
    load, so a bad URL stops start-up naming its key instead of failing each request later.

    Raises:
        PydanticCustomError: ``http_url``, naming `field` in its context when given.
    """
    problem = _url_problem(value)
    if problem:
        ctx = {"field": field} if field else None
        raise PydanticCustomError("http_url", problem, ctx)


def _url_problem(value: str) -> str | None:
    """What keeps `value` from being a usable base URL, or None."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return "must be a URL without spaces or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # an unclosed IPv6 bracket, a port that is no number or out of range
        return "must be a URL with a valid host and port (a port is a number from 1 to 65535)"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http:// or https:// URL"
    if port == 0:
        return "must be a URL with a valid port (a number from 1 to 65535)"
    if "@" in parts.netloc:
        # httpx would send it as Basic auth, in place of the vendor's own Authorization header
        return "must not hold a user name or password: credentials have settings of their own"
    try:
        host = httpx.URL(value).host  # what each request will be built on
    except (httpx.InvalidURL, ValueError):  # ValueError: a host IDNA cannot encode
        return "must be a URL with a valid host"
    return None if host else "must be an http:// or https:// URL with a host"


def missing_credential(field: str, *, given: str) -> PydanticCustomError:
    """The error for `field` missing although `given` is set (both names within one vendor).

    Settings loading reports it as ``OPSGATE_<VENDOR>__<FIELD> (<vendor>.<field>): required
    when <vendor>.<given> is set``.
    """
    return PydanticCustomError(
        "missing_credential", "required when {given} is set", {"field": field, "given": given}
    )


#: Any whole number this long is beyond every bound a setting has (and Python refuses to read
#: one over 4,300 digits, with a message about its own limit).
_LONGEST_NUMBER: Final = 1000
# Digits are 0-9 only: a str pattern's \d, like int() and Decimal(), takes any script's
# (``١e1`` would be 10), which pydantic and TOML refuse.
_LONG_NUMBER: Final = re.compile(r"\s*([+-]?)0*([0-9]*)\s*")
#: A number written with an exponent (``1e3``): TOML reads ``lease_seconds = 1e3`` as 1000.0,
#: so the environment reads ``OPSGATE_LEASE_SECONDS=1e3`` as the same whole number.
_EXPONENT: Final = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+\s*")


def bounded_whole_number(value: object) -> object:
    """A ``pydantic.BeforeValidator`` for a bounded whole number. ``true`` is refused (pydantic
    would read it as 1, so ``workers = true`` would mean one worker). A number written with
    an exponent (``1e3``) is read exactly, as the TOML file reads it: whole, or refused. A
    number written with more than 1,000 digits is read as one past the bound on its side
    (10**1000, or its negative), so the field's range check says the valid range instead of a
    parser's limit."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "must be a whole number")
    if isinstance(value, str) and _EXPONENT.fullmatch(value):
        return _exact_whole(Decimal(value.strip()))
    if isinstance(value, str) and len(value) > _LONGEST_NUMBER:
        match = _LONG_NUMBER.fullmatch(value)
        if match is not None and match.group(2):
            return capped_int(match.group(2), negative=match.group(1) == "-")
    return value


def _exact_whole(number: Decimal) -> int:
    """`number` as a whole number (one past every bound, as `capped_int`, when it is huge), or
    the error a decimal such as ``2.5e0`` gets, wherever it was written."""
    if number.adjusted() >= _LONGEST_NUMBER:
        return capped_int("1" + "0" * _LONGEST_NUMBER, negative=number < 0)
    if number != number.to_integral_value():
        raise PydanticCustomError("int_from_float", "must be a whole number")
    return int(number)


def capped_int(digits: str, *, negative: bool = False) -> int:
    """The whole number `digits` spell (leading zeros allowed); past 1,000 significant digits,
    10**1000 (or its negative): a number beyond every bound, still small enough to print."""
    significant = digits.lstrip("0") or "0"
    number = 10**_LONGEST_NUMBER if len(significant) > _LONGEST_NUMBER else int(significant)
    return -number if negative else number
