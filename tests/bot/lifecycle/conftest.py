"""Lifecycle fixtures live in tests/support/lifecycle_world.py (importable by the tests too)."""

from lifecycle_world import make_policy, world, world_factory

__all__ = ["make_policy", "world", "world_factory"]
