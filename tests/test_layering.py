"""The architecture's one-way dependencies (STYLE.md), checked on the source itself.

commands/ knows no Slack, no HTTP, no storage; adapters/ knows no Slack and no storage; only
bot/store/ talks to SQLite.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "commands": {"slack_bolt", "slack_sdk", "httpx", "sqlite_utils", "sqlite3", "bot", "adapters"},
    "adapters": {"slack_bolt", "slack_sdk", "sqlite_utils", "sqlite3", "bot"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_packages_do_not_import_outer_layers(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_store_imports_sqlite() -> None:
    users = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if imported_roots(path) & {"sqlite_utils", "sqlite3"}
    )
    assert users and all(user.startswith("bot/store/") for user in users), users


def test_the_check_sees_imports() -> None:
    """Guard against a vacuous pass: the store's own imports are found."""
    assert "sqlite_utils" in imported_roots(ROOT / "bot" / "store" / "database.py")
