"""Which Slack user groups changed, shared by every replica on the database.

Slack tells one replica that a group's members changed (``subteam_members_changed``,
``subteam_updated``; over HTTP an event reaches one of them). That replica counts the change in
``group_changes``; every replica reads the group's count before it trusts the membership it
keeps (`bot.slack.directory.SlackDirectory`), so someone taken out of an approvers' group is
not let in by another replica's copy.
"""

from __future__ import annotations

from bot.store.engine import Engine


class StoreGroupVersions:
    """`bot.slack.directory.GroupVersions` over one store's database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def version(self, group_id: str) -> int:
        """How many changes of `group_id` have been counted (0: none)."""
        with self._engine.read() as db:
            found = list(
                db.rows("SELECT version FROM group_changes WHERE group_id = ?", [group_id])
            )
        return int(found[0][0]) if found else 0

    def changed(self, group_id: str) -> None:
        """Count a change of `group_id`'s members."""
        with self._engine.side() as db:
            db.execute(
                "INSERT INTO group_changes (group_id, version) VALUES (?, 1) "
                "ON CONFLICT (group_id) DO UPDATE SET version = group_changes.version + 1",
                [group_id],
            )
