"""A request given as separate fields (a form, a workflow step) read by the same grammar.

A form has no command line to parse: it has an operation, some targets, a value per flag and
switches. `request_from_fields` turns those into the words a typist would have written after
``/ops <vendor> <resource> <action>`` and hands them to `build_request`, so a form request is
checked exactly like a slash command: the same identifier rules, ranges, counts, required flags
and messages, each naming the field that is wrong (`UsageError.field`).

Targets typed in a text box are read as typed words (ranges expand, commas separate); targets
read from a file are taken literally, one per line. Values are never re-split or re-quoted: each
is one word, so no value can turn into a flag or a target.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from commands.arguments import is_flag
from commands.catalog import Catalog
from commands.model import OperationRequest, UsageError
from commands.operation import build_request
from commands.spec import FlagKind, OperationSpec
from commands.tokens import Word, split_words


@dataclass(frozen=True)
class Fields:
    """One request as separate fields.

    Attributes:
        typed_targets: Target words as typed in a text box (ranges expand, commas separate).
        listed_targets: Targets read from a list, one each, taken literally.
        values: Flag name (``"--product"``) -> its value, for the flags given a value.
        switches: The switch flags turned on (``"--dry-run"``).
    """

    typed_targets: Sequence[str] = ()
    listed_targets: Sequence[str] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    switches: Collection[str] = ()


def split_typed(text: str) -> list[str]:
    """The words of a text box of targets (spaces, tabs and newlines separate them)."""
    return text.split()


def request_from_fields(spec: OperationSpec, fields: Fields) -> OperationRequest:
    """Validate `fields` as a request for `spec`, exactly as the slash command would be.

    Raises:
        UsageError: Anything is wrong; `field` names the target name (``"deviceName"``) or the
            flag (``"--product"``) at fault, as for a slash command.
    """
    return build_request(spec, field_words(spec, fields))


def field_words(spec: OperationSpec, fields: Fields) -> list[Word]:
    """The words after the command words that say what `fields` say, in grammar order.

    Raises:
        UsageError: A field names no flag of `spec`, a value was given to a switch, or a
            switch to a flag that takes a value.
    """
    known = {flag.name for flag in spec.all_flags}
    unknown = sorted((set(fields.values) | set(fields.switches)) - known)
    if unknown:
        raise UsageError(f"`/ops {spec.command}` has no flag {unknown[0]}.", field=unknown[0])
    words = [_target_word(text) for text in fields.typed_targets]
    words += [Word(text, bare=False) for text in fields.listed_targets]
    for flag in spec.all_flags:
        if flag.name in fields.switches:
            if flag.kind is not FlagKind.SWITCH:
                raise UsageError(f"{flag.name} needs a value.", field=flag.name)
            words.append(Word(flag.name))
        elif flag.name in fields.values:
            if flag.kind is FlagKind.SWITCH:
                raise UsageError(f"{flag.name} takes no value.", field=flag.name)
            words += [Word(flag.name), Word(fields.values[flag.name], bare=False)]
    return words


def _target_word(text: str) -> Word:
    """A typed target: bare, so ranges expand, unless a dash (or a look-alike) would make it
    read as a flag; targets never are."""
    return Word(text, bare=not is_flag(Word(text)))


def listed_targets(text: str, *, name: str, csv_rows: bool = False) -> list[str]:
    """The targets of a list file: one per line, taken literally; blank lines are skipped, and
    so is a first line that is a column header (`is_header`).

    Args:
        text: The file's text.
        name: The operation's name for one target, to recognise a header line.
        csv_rows: Read the lines as CSV rows (a quoted cell may hold a comma); each row must
            still hold one value.

    Raises:
        UsageError: A line holds more than one value (``field`` is `name`).
    """
    lines = text.splitlines()
    rows = csv.reader(lines) if csv_rows else ([line] for line in lines)
    found: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row if cell.strip()]
        if len(cells) > 1:
            message = f"Line {number} has {len(cells)} values; the list takes one {name} per line."
            raise UsageError(message, field=name)
        if cells:
            found.append((number, cells[0]))
    values = [value for _, value in found]
    if found and found[0][0] == 1 and is_header(values[0], name=name):
        return values[1:]
    return values


def is_header(first: str, *, name: str) -> bool:
    """Whether a list file's first line names its column rather than a target: the target's
    name (``deviceName``), written another way (``device_name``, ``Device Name``, ``Device #``),
    a word it starts or ends with (``device``, ``name``), or ``target``/``targets``. Any other
    first line is a target, so one that is no valid id is refused, naming it, never dropped."""
    key = _letters(first)
    words = [_letters(word) for word in _CAMEL.findall(name)] or [_letters(name)]
    return key in {"".join(words), words[0], words[-1], "target", "targets"}


_CAMEL: Final = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _letters(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def request_from_parts(
    catalog: Catalog, *, command: str, targets: str, reason: str = ""
) -> OperationRequest:
    """Validate a request given in three parts, as a Workflow Builder step gives it.

    Args:
        catalog: The operations opsgate knows.
        command: The operation and its flags, as typed after ``/ops``: ``<vendor> <resource>
            <action> [--flag value]...``, or the operation id in place of the three words
            (``acme.widget.delete --site s1``).
        targets: The targets, as typed (spaces, commas or new lines; ranges expand).
        reason: The reason (its own field: no quoting needed).

    Raises:
        UsageError: As `commands.parse.parse` would for the same command line.
    """
    words = split_words(command)
    if words and words[0].bare and words[0].text.lower() == "/ops":
        words = words[1:]
    if words and "." in words[0].text:
        words = [Word(part) for part in words[0].text.split(".", 2)] + words[1:]
    spec = catalog.find_operation([w.text.lower() for w in words[:3]])
    rest = words[3:]
    first_flag = next((i for i, word in enumerate(rest) if is_flag(word)), len(rest))
    typed = [_target_word(text) for text in split_typed(targets)]
    said = [Word("--reason"), Word(reason.strip(), bare=False)] if reason.strip() else []
    return build_request(spec, [*rest[:first_flag], *typed, *rest[first_flag:], *said])
