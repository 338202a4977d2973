"""Whether a lease's owner was a process of this machine that no longer runs (SPEC §2: on
start-up, a request left `executing` by a process that died becomes `unknown`).

A lease names its replica (`bot.store.leases.new_owner`): host, pid and a random suffix, then,
where the operating system tells, the process's place on this machine (`Place`): the kernel's
boot id, its pid namespace and the process's start time. A recovering process can then see at
once that the owner ran under this boot and pid namespace and is gone: no process has its pid,
another process does (the pid was reused), or it is a zombie. Any other owner (another host or
container, a machine without ``/proc``, a lease written before opsgate recorded this) is judged
by its lease alone, so a live replica's call is never taken for a dead one's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_PROC: Final = Path("/proc")
#: Process states of a process that has ended and is not yet reaped.
_ENDED: Final = frozenset({"Z", "X"})


@dataclass(frozen=True)
class Place:
    """Where a process runs on this machine, as recorded in its lease owner.

    Attributes:
        boot: The kernel's boot id (hex, shortened): the same machine, since its last start.
        namespace: The pid namespace's inode: pids mean the same processes within it.
        pid: The process id.
        started: The process's start time (clock ticks after boot), to tell a reused pid.
    """

    boot: str
    namespace: str
    pid: int
    started: str

    def mark(self) -> str:
        """The part of a lease owner after ``@``: ``<boot>.<namespace>.<started>``."""
        return f"{self.boot}.{self.namespace}.{self.started}"


def here() -> Place | None:
    """This process's place, or None where the operating system does not say (no ``/proc``)."""
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text().strip().replace("-", "")[:12]
        link = str((_PROC / "self/ns/pid").readlink())  # "pid:[4026531836]"
    except OSError:
        return None
    stat = _stat(os.getpid())
    namespace = link[link.find("[") + 1 : link.rfind("]")]
    if stat is None or not boot.isalnum() or not namespace.isdigit():
        return None
    return Place(boot=boot, namespace=namespace, pid=os.getpid(), started=stat[1])


def gone(owner: str, place: Place | None) -> bool:
    """True only when `owner` names a process of `place`'s boot and pid namespace that no
    longer runs; False whenever that cannot be known (then its lease decides)."""
    return _ended(owner, place) is True


def alive(owner: str, place: Place | None) -> bool:
    """True only when `owner` names a process of `place`'s boot and pid namespace that still
    runs (its pid, with its start time, not ended); False whenever that cannot be known."""
    return _ended(owner, place) is False


def _ended(owner: str, place: Place | None) -> bool | None:
    """Whether `owner`'s process has ended; None when it is not of `place`'s boot and pid
    namespace, or cannot be seen (``/proc`` hides it: it exists, its start time unknown)."""
    recorded = _recorded(owner)
    if place is None or recorded is None:
        return None
    if (recorded.boot, recorded.namespace) != (place.boot, place.namespace):
        return None
    stat = _stat(recorded.pid)
    if stat is None:
        return None if _exists(recorded.pid) else True
    state, started = stat
    return started != recorded.started or state in _ENDED


def _recorded(owner: str) -> Place | None:
    """The place an owner (``host:pid:random@boot.namespace.started``) records, if any."""
    head, at, mark = owner.rpartition("@")
    parts = mark.split(".")
    pid = head.rsplit(":", 2)[1] if head.count(":") >= 2 else ""
    if not at or len(parts) != 3 or not pid.isdigit() or int(pid) <= 0:
        return None
    boot, namespace, started = parts
    return Place(boot=boot, namespace=namespace, pid=int(pid), started=started)


def _stat(pid: int) -> tuple[str, str] | None:
    """``(state, start time)`` of process `pid` from ``/proc``; None when it cannot be read."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name, in parentheses, may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _exists(pid: int) -> bool:
    """Whether any process has `pid` (``/proc`` may hide other users' processes)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
