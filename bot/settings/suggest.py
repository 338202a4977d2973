"""The known name an unknown one most likely meant, for "did you mean".

Names are compared as people mistype them: case, underscores and dashes aside
(``OPSGATE_ACME_TOKEN`` for ``OPSGATE_ACME__TOKEN``, ``apptoken`` for ``app_token``), then by
spelling. Only a name from the list given is ever suggested, so the hint never names a key
that does not exist.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str], *, prefix: str = "") -> str | None:
    """The name in `known` that `name` most likely meant, or None when none is close.

    Args:
        name: The unknown name, as written.
        known: The names that exist.
        prefix: A prefix every name shares (``OPSGATE_``), left out of the comparison: it
            would make any two names look alike.
    """
    by_form = {_form(each, prefix): each for each in sorted(known)}
    form = _form(name, prefix)
    if form in by_form:
        return by_form[form]
    close = difflib.get_close_matches(form, list(by_form), n=1)
    return by_form[close[0]] if close else None


def _form(name: str, prefix: str) -> str:
    if prefix and name.upper().startswith(prefix.upper()):
        name = name[len(prefix) :]
    return name.replace("_", "").replace("-", "").lower()
