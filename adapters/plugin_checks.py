"""What a vendor plugin must be on its own (`check_plugin`): a name that is a lowercase word
and no command, a title, at least one operation, a settings model whose declarations hold
(`adapters.plugin_settings`) and whose defaults are valid, operations of its own vendor with
well-formed ids and lower-case command words, targets counted from 1, flags that can be typed,
each with a name and a key of its own, no common flag declared again, and examples that parse.
Every problem is one `PluginError` sentence naming the plugin."""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import ValidationError

from adapters import plugin_fields
from adapters.plugin import PLUGIN_FAULTS, VendorPlugin
from adapters.plugin_settings import SettingsModelError, check_settings_model
from adapters.settings import VendorSettings
from commands.catalog import META_COMMANDS, Catalog
from commands.model import OperationRequest, UsageError
from commands.parse import parse
from commands.spec import COMMON_FLAGS, FlagKind, FlagSpec, OperationSpec, TargetSpec

_NAME: Final = re.compile(r"[a-z][a-z0-9]*")
#: A resource or action: the parser lower-cases what is typed and compares it with these, and
#: the operation id joins them with dots.
_WORD: Final = re.compile(r"[a-z][a-z0-9-]*")
#: A flag's name: the parser takes a bare word starting with a dash as a flag, lower-cases it and
#: splits it at its first ``=`` (``--site=s-1``).
_FLAG: Final = re.compile(r"--[a-z][a-z0-9-]*")


#: A field with no default: pydantic's "Field required" says what, not what to do.
_NO_DEFAULT: Final = (
    "has no default; give it one (None for a setting that may be left out, with "
    "required_together saying what must be set with it)"
)


class PluginError(Exception):
    """A vendor plugin cannot be used. The message is one sentence naming the entry point and
    its distribution, so ``opsgate`` can print it as its one line of output."""


def check_plugin(plugin: VendorPlugin[Any], where: str) -> None:
    """Raise `PluginError` for the first thing wrong with one plugin on its own."""
    _check_identity(plugin, where)
    _check_shapes(plugin, where)
    if not (isinstance(plugin.settings, type) and issubclass(plugin.settings, VendorSettings)):
        raise PluginError(f"{where} has settings that are not a VendorSettings model")
    try:
        check_settings_model(plugin.settings)
    except SettingsModelError as exc:
        raise PluginError(f"{where} {exc}") from None
    try:
        _ = plugin.settings().configured  # its own code (validators, `configured`) runs here
    except ValidationError as exc:
        said = _problems(exc)
        raise PluginError(f"{where} has settings whose defaults are invalid: {said}") from exc
    except PLUGIN_FAULTS as exc:  # its own validators' bug: one line naming it, not a traceback
        said = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise PluginError(f"{where} has settings whose defaults cannot be read: {said}") from None
    ids = [spec.id for spec in plugin.operations]
    for spec in plugin.operations:
        _check_operation(spec, plugin.name, where)
        if ids.count(spec.id) > 1:
            raise PluginError(f"{where} declares {spec.id} twice")
    catalog = Catalog(plugin.operations)
    for spec in plugin.operations:
        _check_example(spec, catalog, where)


def _check_identity(plugin: VendorPlugin[Any], where: str) -> None:
    """Its name, its title, and what its sandbox seeds: what people see of it."""
    if not _NAME.fullmatch(plugin.name):
        raise PluginError(
            f"{where} needs a lowercase word for a name ({_NAME.pattern}: a letter, then letters "
            f"or digits), not {plugin.name!r}"
        )
    if plugin.name in META_COMMANDS:
        # `/ops help` would never reach the plugin: the word is opsgate's own command.
        raise PluginError(
            f"{where} is named like opsgate's own command {plugin.name!r} "
            f"(/ops {', /ops '.join(META_COMMANDS)}); rename the plugin"
        )
    if not isinstance(plugin.title, str) or not plugin.title.strip():
        raise PluginError(f"{where} has no title: give it one for people (e.g. 'Acme Widgets')")
    for hook in ("connect", "connect_shared", "sandbox"):
        given = getattr(plugin, hook)
        if not callable(given) and (hook == "connect" or given is not None):
            # Found now, not only once the vendor is configured (or sandboxed).
            raise PluginError(
                f"{where} gives {hook} {kind(given)}, not a function (docs/plugins.md)"
            )
    if not isinstance(plugin.sandbox_targets, str):
        raise PluginError(
            f"{where} gives sandbox_targets as {kind(plugin.sandbox_targets)}, not text: one or "
            "two lines naming the ids its simulator seeds"
        )
    if plugin.sandbox is not None and not plugin.sandbox_targets.strip():
        # The console's banner lists them: with none, nobody knows what to try.
        raise PluginError(
            f"{where} has a sandbox but no sandbox_targets: name the ids its simulator seeds"
        )


def _check_shapes(plugin: VendorPlugin[Any], where: str) -> None:
    """Operations, targets and flags of the types the grammar reads (a plugin's author may not
    run a type checker): a mistake is one line here, never a traceback from the grammar."""
    operations: Any = plugin.operations
    if not isinstance(operations, tuple | list):
        raise PluginError(
            f"{where} gives its operations as {kind(operations)}, not a tuple of OperationSpec "
            "(one operation is written `(SPEC,)`)"
        )
    if not operations:
        # With none, its commands would be "unknown vendor" while `opsgate plugins` lists it.
        raise PluginError(f"{where} declares no operations: give it at least one OperationSpec")
    for spec in operations:
        if not isinstance(spec, OperationSpec):
            raise PluginError(
                f"{where} declares {kind(spec)} among its operations, not an OperationSpec"
            )
        if not isinstance(spec.target, TargetSpec):
            raise PluginError(
                f"{where} gives {spec.id} {kind(spec.target)} for a target, not a TargetSpec"
            )
        flags: Any = spec.flags
        if not isinstance(flags, tuple | list) or not all(isinstance(f, FlagSpec) for f in flags):
            raise PluginError(
                f"{where} gives {spec.id} flags that are not a tuple of FlagSpec: {flags!r}"
            )
        if not isinstance(spec.summary, str) or not spec.summary.strip():
            raise PluginError(f"{where} gives {spec.id} no summary: one sentence for /ops help")
        wrong = plugin_fields.problem(spec)
        if wrong is not None:
            raise PluginError(f"{where} {wrong}")


def kind(value: object) -> str:
    """What `value` is, for a sentence: ``None``, ``a str``, ``an int``."""
    name = type(value).__name__
    return "None" if value is None else f"{'an' if name[:1] in 'AEIOUaeiou' else 'a'} {name}"


def _problems(exc: ValidationError) -> str:
    """Every problem pydantic found, on one line, each naming its field: from where it was
    found, or for a check of the whole model (a URL field, say) from the field it names."""
    said = []
    for error in exc.errors():
        named = (error.get("ctx") or {}).get("field", "")
        field = ".".join(str(part) for part in error["loc"]) or str(named)
        message = _NO_DEFAULT if error["type"] == "missing" else error["msg"]
        said.append(f"{field}: {message}" if field else str(message))
    return "; ".join(said)


def _check_example(spec: OperationSpec, catalog: Catalog, where: str) -> None:
    """`/ops help` and every usage error show the example: it must be the operation, with a
    reason, as the grammar reads it."""
    try:
        parsed = parse(spec.example, catalog)
    except UsageError as exc:
        raise PluginError(
            f"{where} gives {spec.id} an example that does not parse ({spec.example!r}): "
            f"{exc.message.splitlines()[0]}"
        ) from None
    if not isinstance(parsed, OperationRequest) or parsed.operation != spec.id or not parsed.reason:
        raise PluginError(
            f"{where} gives {spec.id} an example that is not it with a --reason: {spec.example!r}"
        )


def _check_operation(spec: OperationSpec, name: str, where: str) -> None:
    if spec.vendor != name:
        raise PluginError(f"{where} declares {spec.id} for vendor {spec.vendor!r}, not {name!r}")
    for part, word in (("resource", spec.resource), ("action", spec.action)):
        if not _WORD.fullmatch(word):
            raise PluginError(
                f"{where} declares {spec.id} with the {part} {word!r}; command words must be "
                f"lower case: a letter, then letters, digits or hyphens ({_WORD.pattern})"
            )
    wanted = f"{spec.vendor}.{spec.resource}.{spec.action}"
    if spec.id != wanted:
        raise PluginError(
            f"{where} declares {spec.id}; an operation's id is <vendor>.<resource>.<action>, "
            f"so this one's is {wanted}"
        )
    target = spec.target
    for number, meaning in (
        ("max_count", "the most targets one request may carry"),
        ("per_call", "how many targets one vendor call carries"),
    ):
        value = getattr(target, number)
        if not isinstance(value, int) or value < 1:
            raise PluginError(
                f"{where} gives {spec.id} the target {number}={value!r}; it must be a whole "
                f"number of at least 1 ({meaning})"
            )
    _check_flags(spec, where)
    for flag in spec.flags:
        _check_bounds(flag, spec, where)


def _check_bounds(flag: FlagSpec, spec: OperationSpec, where: str) -> None:
    """A number flag whose range holds no number could never be given (nor its operation
    requested, when the flag is required)."""
    if flag.kind is FlagKind.NUMBER and flag.low > flag.high:
        raise PluginError(
            f"{where} declares {flag.name} on {spec.id} for a number from {flag.low} to "
            f"{flag.high}: no number is; give it low <= high"
        )


def _check_flags(spec: OperationSpec, where: str) -> None:
    common_by_key = {flag.key: flag for flag in COMMON_FLAGS}
    by_name: dict[str, FlagSpec] = {}
    by_key: dict[str, FlagSpec] = {}
    for flag in spec.flags:
        if not _FLAG.fullmatch(flag.name):
            raise PluginError(
                f"{where} declares the flag {flag.name!r} on {spec.id}; a flag's name must be "
                f"-- then a lower-case word: a letter, then letters, digits or hyphens "
                f"({_FLAG.pattern}, e.g. --site)"
            )
        if flag.name in {common.name for common in COMMON_FLAGS}:
            raise PluginError(
                f"{where} declares {flag.name} on {spec.id}; every operation has it already"
            )
        if flag.key in common_by_key:
            raise PluginError(
                f"{where} declares {flag.name} on {spec.id} with the key {flag.key!r}, which is "
                f"{common_by_key[flag.key].name}'s (every operation has it already); give "
                f"{flag.name} a key of its own"
            )
        if flag.name in by_name:
            raise PluginError(f"{where} declares {flag.name} twice on {spec.id}")
        first = by_key.get(flag.key)
        if first is not None:
            # Both given, the last would silently win: the vendor would act on the other value.
            raise PluginError(
                f"{where} declares {first.name} and {flag.name} on {spec.id} with one key, "
                f"{flag.key!r}; each flag needs a key of its own"
            )
        by_name[flag.name], by_key[flag.key] = flag, flag
