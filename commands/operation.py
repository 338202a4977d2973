"""Turn the words after ``<vendor> <resource> <action>`` into a validated `OperationRequest`.

The order of checks is deliberate: first the shape (unknown, repeated or value-less flags), then
every identifier and value, and only then counts and required flags, so a bad identifier is always
the error reported, whatever else is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from commands.arguments import Arguments, sort_arguments
from commands.model import OperationRequest, ParamValue, UsageError
from commands.ranges import expand_ranges, has_ranges, range_count
from commands.spec import FlagKind, FlagSpec, OperationSpec, usage_of
from commands.tokens import Word
from commands.values import check_integer, check_reason


def build_request(spec: OperationSpec, words: Sequence[Word]) -> OperationRequest:
    """Validate the words following the command words of `spec` and build its request.

    Raises:
        UsageError: Anything is wrong; `usage` is the usage of `spec`.
    """
    usage = usage_of(spec)
    command = f"/ops {spec.command}"
    arguments = sort_arguments(words, flags=spec.all_flags, command=command, usage=usage)
    rule, name = spec.target.rule, spec.target.name
    if has_ranges(arguments.positionals):
        _check_count(spec, range_count(arguments.positionals), usage)
    expanded = expand_ranges(arguments.positionals)
    targets = [rule.check(target, field=name, usage=usage) for target in expanded]
    values = {flag.key: _check_value(flag, raw, usage) for flag, raw in arguments.flags.values()}
    _check_required(spec, arguments, usage)
    unique = tuple(dict.fromkeys(targets))
    _check_count(spec, len(unique), usage)
    return _assemble(spec, unique, values)


def _check_value(flag: FlagSpec, raw: str, usage: str) -> ParamValue:
    """Check one flag's value according to its kind and return it as stored."""
    if flag.kind is FlagKind.IDENTIFIER:
        return flag.rule.check(raw, field=flag.name, usage=usage)
    if flag.kind is FlagKind.NUMBER:
        return check_integer(raw, field=flag.name, low=flag.low, high=flag.high, usage=usage)
    if flag.kind is FlagKind.TEXT:
        return check_reason(raw, field=flag.name, usage=usage)
    return flag.switch_value


def _check_required(spec: OperationSpec, arguments: Arguments, usage: str) -> None:
    """Raise for the first required flag that is missing."""
    for flag in spec.all_flags:
        if flag.required and flag.name not in arguments.flags:
            message = f"Missing {flag.name}: `/ops {spec.command}` needs {flag.usage}."
            raise UsageError(message, field=flag.name, usage=usage)


def _check_count(spec: OperationSpec, count: int, usage: str) -> None:
    """Raise when there are no targets, or more than the operation takes.

    Called before ranges are expanded (so ``dev-{1..999999999}`` is refused without being
    written out) and again once duplicates are dropped (the limit counts distinct targets).
    """
    name, most = spec.target.name, spec.target.max_count
    if not count:
        message = f"Missing {name}: `/ops {spec.command}` needs {spec.target.usage}."
        raise UsageError(message, field=name, usage=usage)
    if count > most:
        allowed = f"one {name}" if most == 1 else f"at most {most:,} {name} values"
        message = f"`/ops {spec.command}` takes {allowed}; {count:,} were given."
        raise UsageError(message, field=name, usage=usage)


def _assemble(
    spec: OperationSpec, targets: tuple[str, ...], values: dict[str, ParamValue]
) -> OperationRequest:
    """Build the request: flag defaults, then the values given, then the common fields."""
    params = {flag.key: flag.default for flag in spec.flags if flag.default is not None}
    params |= values
    reason = params.pop("reason", None)
    dry_run = params.pop("dry_run", False)
    force = params.pop("force", False)
    break_glass = params.pop("break_glass", None)
    return OperationRequest(
        operation=spec.id,
        vendor=spec.vendor,
        targets=targets,
        params=params,
        reason=None if reason is None else str(reason),
        dry_run=bool(dry_run),
        force=bool(force),
        break_glass=None if break_glass is None else str(break_glass),
    )
