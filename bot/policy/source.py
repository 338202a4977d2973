"""Where the ``[policy]`` table comes from: ``opsgate.toml``, or the ``OPSGATE_POLICY`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.policy.table import POLICY_KEYS, PolicyError
from bot.settings.suggest import closest
from bot.settings.tomlfile import UnreadableToml, read_toml


def find_policy_table(
    *, config_file: Path | None, policy_file: Path | None
) -> tuple[dict[str, Any], str] | None:
    """The ``[policy]`` table and the file it is in, or None when no policy is configured.

    `config_file` may lack a ``[policy]`` table; `policy_file`, named on purpose, must have one.
    A policy in both is refused, so there is never doubt which rules guard a destructive
    operation.

    Raises:
        PolicyError: A file is unreadable, `policy_file` has no ``[policy]`` table, or both
            files define one.
    """
    in_config = _policy_table(config_file, required=False)
    in_file = _policy_table(policy_file, required=True)
    if in_config is not None and in_file is not None:
        raise PolicyError(
            [f"policy: defined in both {config_file} and OPSGATE_POLICY ({policy_file}); keep one"]
        )
    if in_file is not None:
        return in_file, str(policy_file)
    if in_config is not None:
        return in_config, str(config_file)
    return None


def _policy_table(path: Path | None, *, required: bool) -> dict[str, Any] | None:
    """The ``[policy]`` table of the TOML file at `path`, if it has one."""
    if path is None:
        return None
    try:
        data = read_toml(path)
    except UnreadableToml as exc:
        raise PolicyError([f"policy: cannot read {path}: {exc}"]) from None
    if required:
        _only_policy(data, path)
    table = data.get("policy")
    if table is None and required:
        raise PolicyError([f"policy: {path} has no [policy] table"])
    if table is not None and not isinstance(table, dict):
        raise PolicyError(["policy: must be a table"], source=str(path))
    return table


def _only_policy(data: dict[str, Any], path: Path) -> None:
    """Refuse anything in a policy file outside ``[policy]``: a key above the header or a table
    without the ``policy.`` prefix would otherwise be dropped, and the rules it meant to add
    silently left out (SPEC §3: an invalid policy names the bad key)."""
    others = [key for key in data if key != "policy"]
    if others:
        raise PolicyError(
            [
                f"{key}: not part of the policy: a policy file holds only [policy] and "
                f'[policy.operations."<operation>"]{_hint(key)}'
                for key in others
            ],
            source=str(path),
        )


def _hint(key: str) -> str:
    """`` (did you mean policy.<key>?)`` for a policy key written above ``[policy]``, or
    ``policy`` misspelt; nothing for any other key (``policy.<key>`` would name no key)."""
    if meant := closest(key, POLICY_KEYS):
        return f" (did you mean policy.{meant}?)"
    return " (did you mean policy?)" if closest(key, ["policy"]) else ""
