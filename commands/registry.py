"""Every operation opsgate knows, looked up by id or by command words, with "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Final

from commands import aliyun, enos, huawei, servicepower
from commands.identifiers import show_value
from commands.model import UsageError
from commands.spec import OperationSpec

#: Every operation, in help order.
OPERATIONS: Final[tuple[OperationSpec, ...]] = (
    *enos.OPERATIONS,
    *aliyun.OPERATIONS,
    *huawei.OPERATIONS,
    *servicepower.OPERATIONS,
)
#: The vendor words, in help order.
VENDORS: Final = tuple(dict.fromkeys(spec.vendor for spec in OPERATIONS))
#: The usage of the other commands, by their first word.
META_USAGE: Final = {
    "help": "Usage: /ops help [vendor]\nExample: /ops help aliyun",
    "history": (
        "Usage: /ops history [--mine] [--vendor <vendor>] [--limit <n>]\n"
        "Example: /ops history --mine --vendor huawei --limit 50"
    ),
    "status": "Usage: /ops status <request-id>\nExample: /ops status R-7K3F9QW2",
}
#: The words that start the other commands.
META_COMMANDS: Final = tuple(META_USAGE)
#: The synopsis of every command, for when nothing is close to what was typed.
OVERVIEW: Final = "\n".join(
    [
        "Commands:",
        *(spec.usage for spec in OPERATIONS),
        *(usage.splitlines()[0].removeprefix("Usage: ") for usage in META_USAGE.values()),
    ]
)

_BY_ID: Final = {spec.id: spec for spec in OPERATIONS}
_PARTS: Final = ("vendor", "resource", "action")
# Longer than any command word; a longer typo is not worth comparing in full.
_LONGEST_WORD: Final = 64


def spec_for(operation_id: str) -> OperationSpec:
    """Return the spec of an operation id.

    Raises:
        KeyError: There is no such operation (a programming error, not a usage error).
    """
    return _BY_ID[operation_id]


def usage_for(operation_id: str) -> str:
    """Return the usage block of an operation: its synopsis and an example."""
    return usage_of(spec_for(operation_id))


def usage_of(spec: OperationSpec) -> str:
    """Return the usage block of `spec`: its synopsis and an example."""
    return f"Usage: {spec.usage}\nExample: {spec.example}"


def find_operation(words: Sequence[str]) -> OperationSpec:
    """Return the operation named by `words` (vendor, resource, action), already lower-cased.

    Raises:
        UsageError: A word is missing or unknown; the message suggests the nearest command and
            `usage` shows it.
    """
    candidates = OPERATIONS
    for position, part in enumerate(_PARTS):
        if position >= len(words):
            nearest = nearest_operation(words, candidates)
            message = f"Incomplete command: did you mean `/ops {nearest.command}`?"
            raise UsageError(message, usage=_usages(candidates))
        narrowed = tuple(spec for spec in candidates if _word(spec, position) == words[position])
        if not narrowed:
            raise _unknown(part, words, candidates)
        candidates = narrowed
    return candidates[0]


def nearest_operation(
    words: Sequence[str], specs: Iterable[OperationSpec] = OPERATIONS
) -> OperationSpec:
    """Return the operation whose command words are most like `words`."""
    typed = " ".join(word[:_LONGEST_WORD] for word in words[:3])
    return max(specs, key=lambda spec: difflib.SequenceMatcher(None, typed, spec.command).ratio())


def _word(spec: OperationSpec, position: int) -> str:
    """The command word of `spec` at `position` (0 vendor, 1 resource, 2 action)."""
    return (spec.vendor, spec.resource, spec.action)[position]


def _unknown(part: str, words: Sequence[str], candidates: Sequence[OperationSpec]) -> UsageError:
    """The error for an unknown command word, suggesting the nearest command."""
    position = _PARTS.index(part)
    word = words[position][:_LONGEST_WORD]
    choices = list(dict.fromkeys(_word(spec, position) for spec in candidates))
    if position == 0:
        choices += META_COMMANDS
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    if close and close[0] in META_COMMANDS:
        message = f"Unknown vendor {show_value(word)}: did you mean `/ops {close[0]}`?"
        return UsageError(message, field=part, usage=META_USAGE[close[0]])
    if not close and position == 0:
        message = f"Unknown vendor {show_value(word)}; opsgate knows {', '.join(VENDORS)}."
        return UsageError(message, field=part, usage=OVERVIEW)
    fixed = list(words[:3])
    fixed[position] = close[0] if close else word
    nearest = nearest_operation(fixed, candidates)
    after = f" for `{' '.join(words[:position])}`" if position else ""
    message = f"Unknown {part} {show_value(word)}{after}: did you mean `/ops {nearest.command}`?"
    return UsageError(message, field=part, usage=usage_of(nearest))


def _usages(specs: Iterable[OperationSpec]) -> str:
    """The usage blocks of several operations, one after another."""
    return "\n".join(usage_of(spec) for spec in specs)
