"""A catalog of operations: looked up by id or by command words, with "did you mean".

The catalog is built from whatever specs it is given (in production, the installed vendor
plugins' operations; in tests, small specs made for the test), so the grammar engine itself
knows no vendor.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

from commands.arguments import CLOSE
from commands.identifiers import show_value
from commands.model import UsageError
from commands.spec import OperationSpec, UsageTerms, usage_of

#: The words that start the commands that are not vendor operations.
META_COMMANDS: Final = ("help", "history", "status")
_PARTS: Final = ("vendor", "resource", "action")
# Longer than any command word; a longer typo is not worth comparing in full.
_LONGEST_WORD: Final = 64


class Catalog:
    """The operations opsgate knows, in help order, and everything derived from them.

    Args:
        operations: The specs, in help order. Operation ids must be unique.

    Raises:
        ValueError: Two specs share an operation id.
    """

    def __init__(self, operations: Iterable[OperationSpec]) -> None:
        self._operations = tuple(operations)
        self._by_id: dict[str, OperationSpec] = {}
        for spec in self._operations:
            if spec.id in self._by_id:
                raise ValueError(f"two operations are called {spec.id}")
            self._by_id[spec.id] = spec
        self._vendors = tuple(dict.fromkeys(spec.vendor for spec in self._operations))
        homes: dict[str, str] = {}
        for spec in self._operations:
            for flag in spec.flags:
                homes.setdefault(flag.name, f"/ops {spec.command}")
        self._flag_homes: Mapping[str, str] = MappingProxyType(homes)  # built once, not per parse

    @property
    def operations(self) -> tuple[OperationSpec, ...]:
        """Every operation, in help order."""
        return self._operations

    @property
    def ids(self) -> tuple[str, ...]:
        """Every operation id, in help order."""
        return tuple(self._by_id)

    @property
    def most_targets(self) -> dict[str, int]:
        """Each operation id's most targets in one request (its target's ``max_count``)."""
        return {spec.id: spec.target.max_count for spec in self._operations}

    @property
    def vendors(self) -> tuple[str, ...]:
        """The vendor words, in help order."""
        return self._vendors

    @property
    def flag_homes(self) -> Mapping[str, str]:
        """Each operation's own flag with the first command that takes it (``/ops …``), so a
        flag given to another command can be answered with where it belongs."""
        return self._flag_homes

    def spec_for(self, operation_id: str) -> OperationSpec:
        """Return the spec of an operation id.

        Raises:
            KeyError: There is no such operation (a programming error, not a usage error).
        """
        return self._by_id[operation_id]

    def usage_for(self, operation_id: str) -> str:
        """Return the usage block of an operation: its synopsis and an example."""
        return usage_of(self.spec_for(operation_id))

    def usage_under(self, error: UsageError, terms: Callable[[str], UsageTerms]) -> str:
        """The usage to show with `error`: its operation's under `terms` (a policy's, for an
        operation id: a reason shown as required where it is, ``--break-glass`` only where
        someone may use it, an example within its limit), or the error's own."""
        if error.operation is not None:
            return usage_of(self.spec_for(error.operation), terms(error.operation))
        if error.operations and error.usage == self.overview:
            return self.overview_under(terms)
        if error.operations:
            return "\n".join(usage_of(self.spec_for(o), terms(o)) for o in error.operations)
        return error.usage

    def meta_usage(self, command: str) -> str:
        """The usage block of ``help``, ``history`` or ``status``, with an example."""
        vendor = self._vendors[0] if self._vendors else "<vendor>"
        return {
            "help": f"Usage: /ops help [vendor]\nExample: /ops help {vendor}",
            "history": (
                "Usage: /ops history [--mine] [--unreviewed] [--vendor <vendor>] [--limit <n>]\n"
                f"Example: /ops history --mine --vendor {vendor} --limit 50"
            ),
            "status": "Usage: /ops status <request-id>\nExample: /ops status R-7K3F9QW2",
        }[command]

    @property
    def overview(self) -> str:
        """The synopsis of every command, for when nothing is close to what was typed."""
        return self.overview_under(lambda _operation: UsageTerms())

    def overview_under(self, terms: Callable[[str], UsageTerms]) -> str:
        """`overview` with each operation's synopsis under `terms` (a policy's)."""
        meta = (self.meta_usage(word).splitlines()[0] for word in META_COMMANDS)
        return "\n".join(
            [
                "Commands:",
                *(spec.synopsis(terms(spec.id)) for spec in self._operations),
                *(line.removeprefix("Usage: ") for line in meta),
            ]
        )

    def vendor(self, text: str, *, field: str, usage: str) -> str:
        """Return `text` as a known vendor word (lower-cased), or raise with the nearest one.

        Raises:
            UsageError: `text` is no vendor of this catalog.
        """
        vendor = text.lower()
        if vendor in self._vendors:
            return vendor
        close = difflib.get_close_matches(vendor[:_LONGEST_WORD], self._vendors, n=1, cutoff=CLOSE)
        hint = f"did you mean `{close[0]}`?" if close else self._knows()
        raise UsageError(f"Unknown vendor {show_value(text)}: {hint}", field=field, usage=usage)

    def find_operation(self, words: Sequence[str]) -> OperationSpec:
        """Return the operation named by `words` (vendor, resource, action), lower-cased.

        Raises:
            UsageError: A word is missing or unknown; the message suggests the nearest command
                and `usage` shows it.
        """
        if not self._operations:
            raise UsageError(
                "opsgate has no vendor operations: no vendor plugin is installed.",
                usage=self.overview,
            )
        candidates = self._operations
        for position, part in enumerate(_PARTS):
            if position >= len(words):
                nearest = nearest_operation(words, candidates)
                message = f"Incomplete command: did you mean `/ops {nearest.command}`?"
                ids = [spec.id for spec in candidates]
                raise UsageError(message, usage=_usages(candidates), operations=ids)
            word = words[position]
            narrowed = tuple(spec for spec in candidates if _word(spec, position) == word)
            if not narrowed:
                raise self._unknown(part, words, candidates)
            candidates = narrowed
        return candidates[0]

    def _knows(self) -> str:
        if not self._vendors:
            return "no vendor plugin is installed."
        return f"opsgate knows {', '.join(f'`{v}`' for v in self._vendors)}."

    def _unknown(
        self, part: str, words: Sequence[str], candidates: Sequence[OperationSpec]
    ) -> UsageError:
        """The error for an unknown command word, suggesting the nearest command."""
        position = _PARTS.index(part)
        word = words[position][:_LONGEST_WORD]
        choices = list(dict.fromkeys(_word(spec, position) for spec in candidates))
        if position == 0:
            choices += META_COMMANDS
        close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
        if close and close[0] in META_COMMANDS:
            message = f"Unknown command {show_value(word)}: did you mean `/ops {close[0]}`?"
            return UsageError(message, field=part, usage=self.meta_usage(close[0]))
        if not close and position == 0:
            message = f"Unknown vendor {show_value(word)}; {self._knows()}"
            ids = self.ids
            return UsageError(message, field=part, usage=self.overview, operations=ids)
        fixed = list(words[:3])
        fixed[position] = close[0] if close else word
        nearest = nearest_operation(fixed, candidates)
        after = f" for `{' '.join(words[:position])}`" if position else ""
        message = (
            f"Unknown {part} {show_value(word)}{after}: did you mean `/ops {nearest.command}`?"
        )
        return UsageError(message, field=part, usage=usage_of(nearest), operation=nearest.id)


def nearest_operation(words: Sequence[str], specs: Iterable[OperationSpec]) -> OperationSpec:
    """Return the operation among `specs` (not empty) whose command words are most like `words`."""
    typed = " ".join(word[:_LONGEST_WORD] for word in words[:3])
    return max(specs, key=lambda spec: difflib.SequenceMatcher(None, typed, spec.command).ratio())


def _word(spec: OperationSpec, position: int) -> str:
    """The command word of `spec` at `position` (0 vendor, 1 resource, 2 action)."""
    return (spec.vendor, spec.resource, spec.action)[position]


def _usages(specs: Iterable[OperationSpec]) -> str:
    """The usage blocks of several operations, one after another."""
    return "\n".join(usage_of(spec) for spec in specs)
