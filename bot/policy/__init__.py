"""Who may request, approve, reject and withdraw each operation, and where (SPEC §3).

`rules` answers the questions; `config` validates the ``[policy]`` table; `source` finds it;
`loading` reads it.
"""

from bot.policy.loading import load_policy, parse_policy
from bot.policy.rules import (
    Decision,
    Directory,
    OperationPolicy,
    Policy,
    PolicyError,
    parse_ttl,
)

__all__ = [
    "Decision",
    "Directory",
    "OperationPolicy",
    "Policy",
    "PolicyError",
    "load_policy",
    "parse_policy",
    "parse_ttl",
]
