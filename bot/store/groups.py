"""Which Slack user groups changed, shared by every replica on the database.

Slack tells one replica that a group's members changed (``subteam_members_changed``,
``subteam_updated``; over HTTP an event reaches one of them). That replica records a new
version of the group in ``group_changes``; every replica reads the group's version before it
trusts the membership it keeps (`bot.slack.directory.SlackDirectory`), so someone taken out
of an approvers' group is not let in by another replica's copy.
"""

from __future__ import annotations

import secrets

from bot.store.engine import Engine


class StoreGroupVersions:
    """`bot.slack.directory.GroupVersions` over one store's database.

    A group's version is a random number, drawn anew at each change and only ever compared for
    equality: a counter could be frozen by writing its largest value into the table (an
    overflow leaves it unchanged), a random draw cannot, and a value nobody wrote (text, say)
    still reads as a version, only one no replica holds."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def version(self, group_id: str) -> str:
        """The group's version ("0": it never changed)."""
        with self._engine.read() as db:
            found = list(
                db.rows("SELECT version FROM group_changes WHERE group_id = ?", [group_id])
            )
        return str(found[0][0]) if found else "0"

    def changed(self, group_id: str) -> None:
        """A change of `group_id`'s members: a new version."""
        drawn = 1 + secrets.randbelow(2**31 - 2)  # within PostgreSQL's INTEGER, never 0
        with self._engine.side() as db:
            db.execute(
                "INSERT INTO group_changes (group_id, version) VALUES (?, ?) "
                "ON CONFLICT (group_id) DO UPDATE SET version = excluded.version",
                [group_id, drawn],
            )
