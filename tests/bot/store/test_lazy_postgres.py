"""PostgreSQL's driver is loaded only when a PostgreSQL database is opened: every `opsgate`
command on SQLite (the default, and the console's) starts without it, about a fifth of the
command's imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

ON_SQLITE = """
import sys
import bot.app, bot.cli.main
from bot.store import Store
store = Store.open(sys.argv[1])
store.verify()
store.close()
print(sorted(name for name in sys.modules if name.split(".")[0] in ("psycopg", "psycopg_pool")))
"""


def test_a_sqlite_store_is_opened_and_verified_without_loading_psycopg(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", ON_SQLITE, str(tmp_path / "opsgate.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stderr
