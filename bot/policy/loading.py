"""The policy from its file: ``[policy]`` in ``opsgate.toml`` or the ``OPSGATE_POLICY`` file."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from adapters.registry import installed_plugins
from bot.policy.rules import Policy
from bot.policy.source import find_policy_table
from bot.policy.table import parse_policy_table
from bot.settings import Settings


def parse_policy(
    table: Mapping[str, Any],
    *,
    source: str | None = None,
    operation_ids: Collection[str] | None = None,
) -> Policy:
    """Build a `Policy` from a ``[policy]`` table (from `source`, a file, if given) whose
    ``[policy.operations."<id>"]`` tables name `operation_ids` (default: the installed plugins').

    Raises:
        PolicyError: Naming every bad key path.
    """
    if operation_ids is None:
        operation_ids = installed_plugins().catalog.ids
    defaults, operations = parse_policy_table(table, operation_ids=operation_ids, source=source)
    return Policy(defaults=defaults, operations=operations)


def load_policy(settings: Settings, *, operation_ids: Collection[str] | None = None) -> Policy:
    """The policy from ``[policy]`` in `settings.config_file` or in `settings.policy_file`.

    With neither, the default policy (`Policy()`). `operation_ids` as for `parse_policy`.

    Raises:
        PolicyError: The policy is invalid, its file is missing or unreadable, or it is
            defined in both places.
    """
    found = find_policy_table(config_file=settings.config_file, policy_file=settings.policy_file)
    if found is None:
        return Policy()
    table, source = found
    return parse_policy(table, source=source, operation_ids=operation_ids)
