"""Turn the words after ``<vendor> <resource> <action>`` into a validated `OperationRequest`.

The order of checks is deliberate: first the shape (unknown, repeated or value-less flags), then
every identifier and value, and only then counts and required flags, so a bad identifier is always
the error reported, whatever else is wrong.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from commands.model import OperationRequest, ParamValue, UsageError
from commands.registry import usage_of
from commands.spec import FlagKind, FlagSpec, OperationSpec
from commands.tokens import Word
from commands.values import check_integer, check_reason

# Slack (and macOS) turn a typed "--" into an em or en dash; read them as the "--" meant.
_DASHES: Final = ("—", "–")


@dataclass
class _Arguments:
    """The words of one command sorted into targets and flags, before any value is checked."""

    targets: list[str] = field(default_factory=list)
    flags: dict[str, tuple[FlagSpec, str]] = field(default_factory=dict)


def build_request(spec: OperationSpec, words: Sequence[Word]) -> OperationRequest:
    """Validate the words following the command words of `spec` and build its request.

    Raises:
        UsageError: Anything is wrong; `usage` is the usage of `spec`.
    """
    usage = usage_of(spec)
    arguments = _sort_arguments(spec, words, usage)
    targets = [
        spec.target.rule.check(t, field=spec.target.name, usage=usage) for t in arguments.targets
    ]
    values = {flag.key: _check_value(flag, raw, usage) for flag, raw in arguments.flags.values()}
    _check_required(spec, arguments, usage)
    unique = tuple(dict.fromkeys(targets))
    _check_count(spec, unique, usage)
    return _assemble(spec, unique, values)


def is_flag(word: Word) -> bool:
    """True when `word` is meant as a flag: unquoted and starting with a dash."""
    return word.bare and word.text.startswith(("-", *_DASHES))


def flag_name(text: str) -> tuple[str, str | None]:
    """Split ``--flag=value`` into the normalised flag name and the inline value (or None)."""
    name, equals, value = text.partition("=")
    for dash in _DASHES:
        if name.startswith(dash):
            name = "--" + name.removeprefix(dash)
    return name.lower(), value if equals else None


def _sort_arguments(spec: OperationSpec, words: Sequence[Word], usage: str) -> _Arguments:
    """Sort words into targets and flags, taking each flag's value where it has one."""
    arguments = _Arguments()
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not is_flag(word):
            arguments.targets.extend(_split_targets(word.text))
            continue
        name, inline = flag_name(word.text)
        flag = _known_flag(spec, name, usage)
        if flag.name in arguments.flags:
            raise UsageError(
                f"{flag.name} is given twice; give it once.", field=flag.name, usage=usage
            )
        if inline is None and flag.takes_value:
            if index == len(words) or is_flag(words[index]):
                message = f"{flag.name} needs a value: {flag.name} {flag.metavar}."
                raise UsageError(message, field=flag.name, usage=usage)
            inline = words[index].text
            index += 1
        if inline is not None and not flag.takes_value:
            raise UsageError(f"{flag.name} takes no value.", field=flag.name, usage=usage)
        arguments.flags[flag.name] = (flag, inline or "")
    return arguments


def _split_targets(text: str) -> list[str]:
    """Split a word at commas; a lone empty word is kept so it is reported, not ignored."""
    if "," not in text:
        return [text]
    return [part for part in text.split(",") if part]


def _known_flag(spec: OperationSpec, name: str, usage: str) -> FlagSpec:
    """Return the flag of `spec` called `name`, or raise a "did you mean" error."""
    flag = spec.flag(name)
    if flag is not None:
        return flag
    names = [flag.name for flag in spec.all_flags]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}?" if close else f"its flags are {', '.join(names)}."
    message = f"Unknown flag {name!r} for `/ops {spec.command}`: {hint}"
    raise UsageError(message, field=name, usage=usage)


def _check_value(flag: FlagSpec, raw: str, usage: str) -> ParamValue:
    """Check one flag's value according to its kind and return it as stored."""
    if flag.kind is FlagKind.IDENTIFIER:
        return flag.rule.check(raw, field=flag.name, usage=usage)
    if flag.kind is FlagKind.NUMBER:
        return check_integer(raw, field=flag.name, low=flag.low, high=flag.high, usage=usage)
    if flag.kind is FlagKind.TEXT:
        return check_reason(raw, field=flag.name, usage=usage)
    return flag.switch_value


def _check_required(spec: OperationSpec, arguments: _Arguments, usage: str) -> None:
    """Raise for the first required flag that is missing."""
    for flag in spec.all_flags:
        if flag.required and flag.name not in arguments.flags:
            message = f"Missing {flag.name}: `/ops {spec.command}` needs {flag.usage}."
            raise UsageError(message, field=flag.name, usage=usage)


def _check_count(spec: OperationSpec, targets: tuple[str, ...], usage: str) -> None:
    """Raise when there are no targets, or more than the operation takes."""
    name, most = spec.target.name, spec.target.max_count
    if not targets:
        message = f"Missing {name}: `/ops {spec.command}` needs {spec.target.usage}."
        raise UsageError(message, field=name, usage=usage)
    if len(targets) > most:
        allowed = f"one {name}" if most == 1 else f"at most {most:,} {name} values"
        message = f"`/ops {spec.command}` takes {allowed}; {len(targets):,} were given."
        raise UsageError(message, field=name, usage=usage)


def _assemble(
    spec: OperationSpec, targets: tuple[str, ...], values: dict[str, ParamValue]
) -> OperationRequest:
    """Build the request: flag defaults, then the values given, then the common fields."""
    params = {flag.key: flag.default for flag in spec.flags if flag.default is not None}
    params |= values
    reason = params.pop("reason", None)
    dry_run = params.pop("dry_run", False)
    return OperationRequest(
        operation=spec.id,
        vendor=spec.vendor,
        targets=targets,
        params=params,
        reason=None if reason is None else str(reason),
        dry_run=bool(dry_run),
    )
