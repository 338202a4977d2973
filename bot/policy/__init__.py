"""Who may request, approve, reject and withdraw each operation, and where (SPEC §3).

`rules` answers the questions; `config` validates the ``[policy]`` table; `source` finds it;
`loading` reads it.
"""

from bot.policy.decision import Decision
from bot.policy.loading import load_policy, parse_policy
from bot.policy.members import GroupUnreadable
from bot.policy.rules import (
    Directory,
    OperationPolicy,
    Policy,
    PolicyError,
    parse_ttl,
)

__all__ = [
    "Decision",
    "Directory",
    "GroupUnreadable",
    "OperationPolicy",
    "Policy",
    "PolicyError",
    "load_policy",
    "parse_policy",
    "parse_ttl",
]
