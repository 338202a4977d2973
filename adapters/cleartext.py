"""Plain http to another machine, for a vendor whose requests carry a credential.

A plugin's settings list in `VendorSettings.credential_urls` each URL field whose requests carry
something a listener could use to call the vendor (the secret itself, a bearer token), with what
they carry. Plain http there is allowed (a proxy on the way, such as a service mesh's sidecar,
may add TLS), but it is warned about once at start-up by the plugin's `connect`
(`warn_if_in_clear`) and in ``opsgate check`` (`in_clear_warnings`): one line naming the setting,
never its value. A URL naming this machine (``localhost``, a loopback address: a simulator, a
test, a local proxy) is silent. A vendor whose requests carry only a signature or a hash of the
secret declares nothing.
"""

from __future__ import annotations

import ipaddress
import logging
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
        in_clear_warning(f"OPSGATE_{vendor.upper()}__{field.upper()}", carried)
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


def warn_if_in_clear(settings: VendorSettings, vendor: str) -> None:
    """Log `in_clear_warnings` as warnings: call it from the plugin's `connect`."""
    for line in in_clear_warnings(settings, vendor):
        logger.warning("%s", line)
