"""How the Alibaba preview and outcome count devices in words, and name the ones they count.

A warning such as "1 device does not exist" is only useful at 3 a.m. when it says which one:
`named` lists a few of them, then how many more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

#: Device names spelled out in a warning before "+N more".
NAMED: Final = 3


def devices(count: int, sampled: str = "") -> str:
    """``1 device``, ``3 sampled devices``."""
    return f"{count:,} {sampled}device{'' if count == 1 else 's'}"


def agree(count: int, one: str, more: str) -> str:
    """The word that agrees with `count` things (0 included): ``has``/``have``,
    ``device``/``devices``."""
    return one if count == 1 else more


def named(names: Sequence[str], most: int = NAMED) -> str:
    """```a`, `b`, `c` +7 more``: the first `most` names, then how many are left out."""
    shown = ", ".join(f"`{name}`" for name in names[:most])
    rest = len(names) - most
    return f"{shown} +{rest:,} more" if rest > 0 else shown
