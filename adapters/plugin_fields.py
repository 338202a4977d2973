"""The fields of a plugin's operation specs, of the types the grammar reads.

A plugin's author may not run a type checker: an example, a flag's help or a target's rule
given as ``None`` (or any other type) would otherwise be accepted, and then show as ``None``
in ``/ops help`` or fail inside the grammar with a traceback. `problem` finds it first, for
`adapters.plugin_checks` to refuse the plugin in one line.
"""

from __future__ import annotations

from typing import Any, Final

from commands.identifiers import IdentifierRule
from commands.spec import FlagKind, FlagSpec, OperationSpec, TargetSpec

#: The fields read as text, by the kind of spec that has them.
_TEXTS: Final = (
    (OperationSpec, ("id", "vendor", "resource", "action", "example")),
    (TargetSpec, ("name",)),
    (FlagSpec, ("name", "key", "help", "metavar")),
)


def problem(spec: OperationSpec) -> str | None:
    """What is of the wrong type in `spec` (whose target is a `TargetSpec` and flags are
    `FlagSpec`s), as the end of a sentence: ``"gives the example of acme.widget.delete as
    None, not text"``; None when nothing is."""
    named = spec.id if isinstance(spec.id, str) else repr(spec.id)
    parts: list[tuple[str, Any]] = [(named, spec), (f"{named}'s target", spec.target)]
    parts += [(f"{named}'s flag {flag.name}", flag) for flag in spec.flags]
    for where, part in parts:
        fields = next(names for cls, names in _TEXTS if isinstance(part, cls))
        for field in fields:
            value = getattr(part, field)
            if not isinstance(value, str):
                return f"gives the {field} of {where} as {_kind(value)}, not text"
    for where, part in parts[1:]:
        if not isinstance(part.rule, IdentifierRule):
            return (
                f"gives the rule of {where} as {_kind(part.rule)}, not a "
                "commands.identifiers.IdentifierRule"
            )
    for flag in spec.flags:
        wrong = _flag_problem(flag, f"{named}'s flag {flag.name}")
        if wrong is not None:
            return wrong
    return None


def _flag_problem(flag: FlagSpec, where: str) -> str | None:
    if not isinstance(flag.kind, FlagKind):
        return (
            f"gives the kind of {where} as {_kind(flag.kind)}, not a FlagKind "
            "(FlagKind.IDENTIFIER, NUMBER, TEXT or SWITCH)"
        )
    for bound in ("low", "high"):
        value = getattr(flag, bound)
        if not isinstance(value, int) or isinstance(value, bool):
            return f"gives the {bound} of {where} as {_kind(value)}, not a whole number"
    return None


def _kind(value: object) -> str:
    name = type(value).__name__
    return "None" if value is None else f"{'an' if name[:1] in 'AEIOUaeiou' else 'a'} {name}"
