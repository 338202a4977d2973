"""The policy from its file: ``[policy]`` in ``opsgate.toml`` or the ``OPSGATE_POLICY`` file."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from adapters.registry import installed_plugins
from bot.policy.rules import Policy
from bot.policy.source import find_policy_table
from bot.policy.table import parse_policy_table
from bot.settings import Settings
from commands.catalog import Catalog


def parse_policy(
    table: Mapping[str, Any],
    *,
    source: str | None = None,
    operation_ids: Collection[str] | None = None,
    most_targets: Mapping[str, int] | None = None,
) -> Policy:
    """Build a `Policy` from a ``[policy]`` table (from `source`, a file, if given) whose
    ``[policy.operations."<id>"]`` tables name `operation_ids`, each of which takes at most
    `most_targets` targets (both by default: the installed plugins').

    Raises:
        PolicyError: Naming every bad key path.
    """
    if operation_ids is None:
        catalog = installed_plugins().catalog
        operation_ids, most_targets = catalog.ids, catalog.most_targets
    defaults, operations = parse_policy_table(
        table, operation_ids=operation_ids, source=source, most_targets=most_targets
    )
    return Policy(defaults=defaults, operations=operations)


def load_policy(settings: Settings, *, catalog: Catalog | None = None) -> Policy:
    """The policy from ``[policy]`` in `settings.config_file` or in `settings.policy_file`,
    for the operations of `catalog` (default: the installed plugins').

    With neither file, the default policy (`Policy()`).

    Raises:
        PolicyError: The policy is invalid, its file is missing or unreadable, or it is
            defined in both places.
    """
    found = find_policy_table(config_file=settings.config_file, policy_file=settings.policy_file)
    if found is None:
        return Policy()
    table, source = found
    if catalog is None:
        return parse_policy(table, source=source)
    return parse_policy(
        table, source=source, operation_ids=catalog.ids, most_targets=catalog.most_targets
    )
