"""Lifecycle fixtures live in tests/support/ (importable by the tests too): the world in
lifecycle_world.py, the gate that holds an Alibaba bulk run in aliyun_gate.py."""

from aliyun_gate import gate
from lifecycle_world import make_policy, world, world_factory

__all__ = ["gate", "make_policy", "world", "world_factory"]
