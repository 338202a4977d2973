"""Turn the words after ``<vendor> <resource> <action>`` into a validated `OperationRequest`.

The order of checks is deliberate: first the shape (unknown, repeated or value-less flags), which
stops at the first problem since the words cannot be read reliably past it; then every field on
its own (the targets, each flag's value, what is missing), and every field that is wrong is
reported in one error, as a form shows each under its field. A count is checked before ranges
are written out, so an enormous range is refused without being expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from commands.arguments import Arguments, sort_arguments
from commands.identifiers import show_value
from commands.model import OperationRequest, ParamValue, UsageError
from commands.ranges import MANY, distinct_targets, huge_range, range_count
from commands.spec import FlagKind, FlagSpec, OperationSpec, UsageTerms, usage_of
from commands.tokens import Word
from commands.values import check_integer, check_reason

_T = TypeVar("_T")


def build_request(
    spec: OperationSpec,
    words: Sequence[Word],
    *,
    elsewhere: Mapping[str, str] | None = None,
    terms: Callable[[str], UsageTerms] | None = None,
) -> OperationRequest:
    """Validate the words following the command words of `spec` and build its request
    (`elsewhere`: other commands' flags, as `sort_arguments` takes them; `terms`: the policy's
    terms by operation, asked only when a count over the operation's limit is told the limit
    that applies).

    Raises:
        UsageError: Anything is wrong; `usage` is the usage of `spec` (and `operation` its
            id), and `each` holds one error per field that is wrong.
    """
    try:
        return _build(spec, words, elsewhere or {}, terms)
    except UsageError as error:
        error.operation = spec.id
        raise


def _build(
    spec: OperationSpec,
    words: Sequence[Word],
    elsewhere: Mapping[str, str],
    terms: Callable[[str], UsageTerms] | None,
) -> OperationRequest:
    usage = usage_of(spec)
    command = f"/ops {spec.command}"
    arguments = sort_arguments(
        words, flags=spec.all_flags, command=command, usage=usage, elsewhere=elsewhere
    )
    found: list[UsageError] = []
    checked = _collect(found, lambda: _checked_targets(spec, arguments.positionals, usage, terms))
    targets, dropped = checked or (None, 0)
    values = _checked_values(arguments, usage, found)
    missing = _missing(spec, arguments, no_targets=targets == ())
    if found or missing:
        raise _report(spec, found, missing, usage, taken=_taken(arguments) if targets == () else "")
    return _assemble(spec, targets or (), values).model_copy(update={"duplicates": dropped})


def _collect(found: list[UsageError], check: Callable[[], _T]) -> _T | None:
    """The checked value, or None with the check's error added to `found`."""
    try:
        return check()
    except UsageError as error:
        found.append(error)
        return None


def _checked_values(
    arguments: Arguments, usage: str, found: list[UsageError]
) -> dict[str, ParamValue]:
    """Each flag's value, checked; the error of each bad one is added to `found`."""
    values: dict[str, ParamValue] = {}
    for flag, raw in arguments.flags.values():
        try:
            values[flag.key] = _check_value(flag, raw, usage)
        except UsageError as error:
            found.append(error)
    return values


def _check_value(flag: FlagSpec, raw: str, usage: str) -> ParamValue:
    """Check one flag's value according to its kind and return it as stored."""
    if flag.kind is FlagKind.IDENTIFIER:
        return flag.rule.check(raw, field=flag.name, usage=usage)
    if flag.kind is FlagKind.NUMBER:
        return check_integer(raw, field=flag.name, low=flag.low, high=flag.high, usage=usage)
    if flag.kind is FlagKind.TEXT:
        return check_reason(raw, field=flag.name, usage=usage, example=flag.example)
    return flag.switch_value


def _checked_targets(
    spec: OperationSpec,
    words: Sequence[Word],
    usage: str,
    terms: Callable[[str], UsageTerms] | None,
) -> tuple[tuple[str, ...], int]:
    """The distinct targets, checked (empty when none were given), and how many repeats of
    them were dropped (the requester is told).

    The limit counts distinct targets, checked as ranges are written out (so
    ``dev-{1..999999999}`` is refused without being written out), before any target's pattern
    (SPEC §8: "before anything else happens").
    """
    _check_no_huge_range(spec, words, usage, terms)
    found = distinct_targets(words, spec.target.max_count)
    if found is None:  # more distinct targets than it takes: say how many were typed
        raise _too_many(spec, range_count(words), usage, terms)
    unique, dropped = found
    rule, name = spec.target.rule, spec.target.name
    for target in unique:  # a target passes its pattern as written, or the request fails
        rule.check(target, field=name, usage=usage)
    return unique, dropped


def _check_no_huge_range(
    spec: OperationSpec,
    words: Sequence[Word],
    usage: str,
    terms: Callable[[str], UsageTerms] | None,
) -> None:
    """Raise when a range's ends are too long to read: it names more targets than any
    operation takes (said so, not as a stray brace)."""
    huge = huge_range(words)
    if huge is None:
        return
    given = _allowed(spec, terms)
    range_ = f"The range {show_value(huge)} is too large"
    message = f"{range_}: `/ops {spec.command}` takes {given}."
    raise UsageError(message, field=spec.target.name, usage=usage, at_field=f"{range_}: {given}.")


def _too_many(
    spec: OperationSpec, count: int, usage: str, terms: Callable[[str], UsageTerms] | None
) -> UsageError:
    """The error for more distinct targets than the operation takes, `count` named in all.
    (Over the policy's own limit only, the policy refuses the request, and the refusal is
    audited.)"""
    counted = f"{count:,}" if count < MANY else f"{MANY:,} or more"
    given = f"{_allowed(spec, terms)}; {counted} were given."
    message = f"`/ops {spec.command}` takes {given}"
    return UsageError(message, field=spec.target.name, usage=usage, at_field=f"It takes {given}")


def _allowed(spec: OperationSpec, terms: Callable[[str], UsageTerms] | None) -> str:
    """How many targets one request may name, in words: the policy's limit where it is the
    smaller, said to be the policy's (the operation's own would mislead)."""
    name, most = spec.target.name, spec.most(terms(spec.id) if terms is not None else None)
    allowed = f"one {name}" if most == 1 else f"at most {most:,} {name} values"
    return allowed if most == spec.target.max_count else f"{allowed} under the policy"


def _missing(
    spec: OperationSpec, arguments: Arguments, *, no_targets: bool
) -> list[tuple[str, str]]:
    """What is missing, each as (field, its usage): the targets, then required flags."""
    target = spec.target
    # "needs <deviceName>...." would end in four dots: say it in words instead.
    wanted = f"one or more <{target.name}>" if target.max_count > 1 else target.usage
    missing = [(target.name, wanted)] if no_targets else []
    missing += [
        (flag.name, flag.usage)
        for flag in spec.all_flags
        if flag.required and flag.name not in arguments.flags
    ]
    return missing


def _taken(arguments: Arguments) -> str:
    """Where targets typed after ``--reason`` went (it takes every word up to the next flag),
    for an error that says none were given; empty when no such flag took several words."""
    for flag, raw in arguments.flags.values():
        if flag.many_words and len(raw.split()) > 1:
            return f" Targets come before the flags: {flag.name} took {show_value(raw)}."
    return ""


def _report(
    spec: OperationSpec,
    found: list[UsageError],
    missing: list[tuple[str, str]],
    usage: str,
    *,
    taken: str = "",
) -> UsageError:
    """One error for everything wrong: each field's own error in `each`, and a message with a
    line per wrong field (what is missing said in one line, as ``Missing a and b: …``);
    `taken` follows what is missing when the targets may have gone into ``--reason``."""
    command = f"`/ops {spec.command}`"
    each = found + [
        UsageError(
            f"Missing {name}: {command} needs {shown}.{taken if name == spec.target.name else ''}",
            field=name,
            usage=usage,
            at_field=_missing_at_field(spec, name),
        )
        for name, shown in missing
    ]
    if len(each) == 1:
        return each[0]
    lines = [error.message for error in found]
    if missing:
        names, shown = _listing([m[0] for m in missing]), _listing([m[1] for m in missing])
        lines.append(f"Missing {names}: {command} needs {shown}.{taken}")
    return UsageError("\n".join(lines), field=each[0].field, usage=usage, each=each)


def _missing_at_field(spec: OperationSpec, name: str) -> str:
    """What is missing, said under its own field of a form (the label names the field)."""
    if name != spec.target.name:
        return "Required."
    return f"Give at least one {name}." if spec.target.max_count > 1 else f"Give the {name}."


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


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
