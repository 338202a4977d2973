"""What changed between two renderings of a card or an App Home tab: the console prints a card
whole once, then only what its updates change. Pure functions."""

from __future__ import annotations


def card_changes(before: str, after: str) -> str:
    """A card's title and the lines that changed: the whole card was printed already."""
    old = set(before.splitlines())
    title, *rest = after.splitlines()
    changed = [line for line in rest if line not in old and set(line) != {"="}]
    return "\n".join([title, *changed]) if changed or title not in old else ""


def tab_changes(before: str, after: str, *, heading: str) -> str:
    """``── <heading> updated ──`` and the lines that are new; empty when nothing is."""
    old = set(before.splitlines())
    changed = [line for line in after.splitlines() if line not in old and set(line) != {"="}]
    return "\n".join([f"── {heading} updated ──", *changed]) if changed else ""
