"""A rollback journal beside an opsgate SQLite database: what makes reading the file alone unsafe.

opsgate writes through a write-ahead log (WAL mode), so it never leaves a ``-journal`` file. A
non-empty one beside the database is someone else's, and SQLite treats it as *hot*: any normal
open (``serve``, the ``sqlite3`` shell) rolls it back into the database first, and reads the
state it restores. `audit` reads the file without changing it (`bot.store.database.read_only_uri`:
immutable, or read-only), which would judge the file as it is while opsgate would read another
state. So a reader refuses it instead (`refuse_rollback_journal`), and changes neither file.
"""

from __future__ import annotations

from pathlib import Path

from bot.store.rows import DatabaseUnavailable


class RollbackJournalFound(DatabaseUnavailable):
    """A non-empty rollback journal lies beside the database: what the file alone holds is not
    what SQLite would present (`verify` calls the log broken).

    Attributes:
        journal: The journal file.
    """

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        super().__init__(self.said_for("what the database file alone holds"))

    def said_for(self, checked: str) -> str:
        """One line naming the journal, saying that what `checked` held (e.g. "what verify
        checked") is not what opsgate would read."""
        return (
            f"{self.journal} is a rollback journal: SQLite would roll it back into the database "
            f"before reading it, so {checked} is not what opsgate would read (opsgate writes "
            "through a write-ahead log and never leaves one; neither file was changed)"
        )


def refuse_rollback_journal(file: Path) -> None:
    """Raise `RollbackJournalFound` when a non-empty ``-journal`` lies beside `file` (an empty
    one is no journal to SQLite either).

    Raises:
        RollbackJournalFound: Naming the journal.
    """
    journal = file.with_name(file.name + "-journal")
    try:
        size = journal.stat().st_size
    except FileNotFoundError:
        return
    if size > 0:
        raise RollbackJournalFound(journal)
