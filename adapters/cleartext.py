"""Plain http to another machine, for a vendor whose requests carry a credential.

A plugin's settings list in `VendorSettings.credential_urls` each URL field whose requests carry
something a listener could use to call the vendor (the secret itself, a bearer token), with what
they carry. Plain http there is allowed (a proxy on the way, such as a service mesh's sidecar,
may add TLS), but it is warned about once at start-up, by opsgate itself as it builds the
vendor's adapter (`warned_before_connect`, called by `adapters.building`: a plugin need not, and
cannot forget to), and in ``opsgate check`` (`in_clear_warnings`): one line naming the setting,
never its value. A URL naming this machine (``localhost``, a loopback address: a simulator, a
test, a local proxy) is silent. A vendor whose requests carry only a signature or a hash of the
secret declares nothing.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from adapters.settings import VendorSettings

#: The logger the warnings go to (``opsgate check`` shows them in its report instead).
logger = logging.getLogger(__name__)


def plain_http(url: str | None) -> bool:
    """True when `url` is a plain http:// URL (any case, surrounding spaces ignored)."""
    return url is not None and urlsplit(url.strip()).scheme.lower() == "http"


def this_machine(host: str | None) -> bool:
    """True for ``localhost`` (``localhost.``) or a loopback address (a simulator, a test, a
    local proxy). An address written with a dot after it (``127.0.0.1.``) is a name the
    resolver asks DNS about, which may answer with another machine: not this one."""
    name = (host or "").lower()
    if name in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a name, not an address
        return False


def in_clear_to_another_host(url: str | None) -> bool:
    """True when `url` is plain http to another machine than this one: what its requests
    carry crosses the network unencrypted, unless a proxy on the way adds TLS."""
    return url is not None and plain_http(url) and not this_machine(urlsplit(url.strip()).hostname)


def in_clear_warnings(settings: VendorSettings, vendor: str) -> list[str]:
    """One line for each of `settings`' `VendorSettings.credential_urls` that is plain http to
    another machine, naming its setting (``OPSGATE_<VENDOR>__<FIELD>``) and what it carries."""
    return [
        in_clear_warning(setting, carried) for setting, _, carried in in_clear(settings, vendor)
    ]


def in_clear(settings: VendorSettings, vendor: str) -> list[tuple[str, str, str]]:
    """Each of `settings`' `VendorSettings.credential_urls` that is plain http to another
    machine: its setting (``OPSGATE_<VENDOR>__<FIELD>``), its URL as written, and what its
    requests carry."""
    return [
        (f"OPSGATE_{vendor.upper()}__{field.upper()}", url, carried)
        for field, carried in type(settings).credential_urls.items()
        if isinstance(url := getattr(settings, field, None), str) and in_clear_to_another_host(url)
    ]


def in_clear_warning(setting: str, carried: str) -> str:
    """The warning for `setting`, a URL that is plain http to another machine, whose requests
    carry what `carried` says (``"every call sends the token"``)."""
    return (
        f"{setting} is plain http to another machine: {carried} unencrypted unless a proxy on "
        "the way adds TLS (use https://)"
    )


#: The settings whose warnings `warned_before_connect` has just logged, while their plugin's
#: `connect` runs: a plugin written when it had to warn itself says nothing more.
_warned: ContextVar[VendorSettings | None] = ContextVar("warned_before_connect", default=None)


@contextmanager
def warned_before_connect(settings: VendorSettings, vendor: str) -> Iterator[None]:
    """Log `in_clear_warnings` of `settings` as warnings, then run the body (the plugin's
    `connect`, which may log in over such a URL), a call of `warn_if_in_clear` for the same
    settings in it being silent."""
    for line in in_clear_warnings(settings, vendor):
        logger.warning("%s", line)
    token = _warned.set(settings)
    try:
        yield
    finally:
        _warned.reset(token)


def warn_if_in_clear(settings: VendorSettings, vendor: str) -> None:
    """Log `in_clear_warnings` as warnings. Kept for plugins that call it from their `connect`,
    as they once had to: opsgate now warns before it calls `connect`, so a call made then is
    silent (never a warning twice); one made elsewhere (a plugin's own test) still warns."""
    if _warned.get() is settings:
        return
    for line in in_clear_warnings(settings, vendor):
        logger.warning("%s", line)
