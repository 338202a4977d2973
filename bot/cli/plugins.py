"""`opsgate plugins`: the installed vendor plugins, where each comes from, and its operations."""

from __future__ import annotations

import json
import re
from typing import Any, Final, TextIO

from adapters.registry import Plugins
from bot.settings import Settings

#: Usage lines are wrapped to fit a terminal this wide: every flag of every operation (the
#: common --force and --break-glass included) makes them long.
USAGE_WIDTH: Final = 100
#: Where a usage line may break: before a flag, required or optional, never inside one.
_BEFORE_FLAG: Final = re.compile(r" (?=\[?--)")


def list_plugins(plugins: Plugins, settings: Settings, *, as_json: bool, out: TextIO) -> int:
    """Print each plugin (name, title, distribution, whether configured or sandbox-capable) and
    its operations with their usage lines; as one JSON document when `as_json`. Returns 0."""
    described = describe_plugins(plugins, settings)
    if as_json:
        out.write(json.dumps({"plugins": described}, indent=2) + "\n")
    else:
        out.write(_text(described))
    return 0


def describe_plugins(plugins: Plugins, settings: Settings) -> list[dict[str, Any]]:
    """One JSON-safe summary per plugin, in name order."""
    held = settings.vendors()
    return [
        {
            "name": name,
            "title": plugin.title,
            "distribution": source.distribution if source else None,
            "version": source.version if source else None,
            "entry_point": source.entry_point if source else None,
            "configured": (held.get(name) or plugin.settings()).configured,
            "sandbox": plugin.sandbox is not None,
            "sandbox_targets": plugin.sandbox_targets,
            "operations": [
                {"id": spec.id, "summary": spec.summary, "usage": spec.usage}
                for spec in plugin.operations
            ],
        }
        for name, plugin in plugins.by_name.items()
        for source in [plugins.sources.get(name)]
    ]


def _text(described: list[dict[str, Any]]) -> str:
    operations = sum(len(plugin["operations"]) for plugin in described)
    lines = [f"{_count(len(described), 'vendor plugin')}, {_count(operations, 'operation')}"]
    for plugin in described:
        origin = f"{plugin['distribution']} {plugin['version']}" if plugin["distribution"] else ""
        lines += ["", f"{plugin['name']}: {plugin['title']}" + (f" ({origin})" if origin else "")]
        state = "configured" if plugin["configured"] else "not configured"
        sandbox = "sandbox available" if plugin["sandbox"] else "no sandbox"
        lines.append(f"  {state}; {sandbox}")
        for operation in plugin["operations"]:
            lines += [f"  {operation['id']}", *_usage_lines(operation["usage"])]
    return "\n".join(lines) + "\n"


def _usage_lines(usage: str) -> list[str]:
    """A usage line indented under its operation, wrapped before a flag to fit `USAGE_WIDTH`
    (a flag and its value stay together); continuation lines are indented further."""
    lines: list[str] = []
    line = "    "
    for part in _BEFORE_FLAG.split(usage):
        if line.strip() and len(line) + 1 + len(part) > USAGE_WIDTH:
            lines.append(line)
            line = "      " + part
        else:
            line = f"{line} {part}" if line.strip() else line + part
    return [*lines, line]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
