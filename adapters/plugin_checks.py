"""What a vendor plugin must be on its own (`check_plugin`): a name that is a lowercase word
and no command, a settings model whose defaults are valid, operations of its own vendor with
well-formed ids, no common flag declared again, and examples that parse. Every problem is one
`PluginError` sentence naming the plugin."""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import ValidationError

from adapters.plugin import VendorPlugin
from adapters.settings import VendorSettings
from commands.catalog import META_COMMANDS, Catalog
from commands.model import OperationRequest, UsageError
from commands.parse import parse
from commands.spec import COMMON_FLAGS, OperationSpec

_NAME: Final = re.compile(r"[a-z][a-z0-9]*")


class PluginError(Exception):
    """A vendor plugin cannot be used. The message is one sentence naming the entry point and
    its distribution, so ``opsgate`` can print it as its one line of output."""


def check_plugin(plugin: VendorPlugin[Any], where: str) -> None:
    """Raise `PluginError` for the first thing wrong with one plugin on its own."""
    if not _NAME.fullmatch(plugin.name) or plugin.name in META_COMMANDS:
        raise PluginError(
            f"{where} needs a lowercase word for a name (letters and digits), not "
            f"{plugin.name!r}, and not one of {', '.join(META_COMMANDS)}"
        )
    if not (isinstance(plugin.settings, type) and issubclass(plugin.settings, VendorSettings)):
        raise PluginError(f"{where} has settings that are not a VendorSettings model")
    try:
        plugin.settings()
    except ValidationError as exc:
        said = _problems(exc)
        raise PluginError(f"{where} has settings whose defaults are invalid: {said}") from exc
    ids = [spec.id for spec in plugin.operations]
    for spec in plugin.operations:
        _check_operation(spec, plugin.name, where)
        if ids.count(spec.id) > 1:
            raise PluginError(f"{where} declares {spec.id} twice")
    catalog = Catalog(plugin.operations)
    for spec in plugin.operations:
        _check_example(spec, catalog, where)


def _problems(exc: ValidationError) -> str:
    """Every problem pydantic found, on one line, each naming its field: from where it was
    found, or for a check of the whole model (a URL field, say) from the field it names."""
    said = []
    for error in exc.errors():
        named = (error.get("ctx") or {}).get("field", "")
        field = ".".join(str(part) for part in error["loc"]) or str(named)
        said.append(f"{field}: {error['msg']}" if field else str(error["msg"]))
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
    if spec.id != f"{spec.vendor}.{spec.resource}.{spec.action}":
        raise PluginError(f"{where} declares {spec.id}; it must be <vendor>.<resource>.<action>")
    common = {flag.name for flag in COMMON_FLAGS} | {flag.key for flag in COMMON_FLAGS}
    clash = next((f.name for f in spec.flags if {f.name, f.key} & common), None)
    if clash is not None:
        raise PluginError(f"{where} declares {clash} on {spec.id}; every operation has it already")
