"""Ctrl-C or SIGTERM landing while a PostgreSQL transaction's pipeline waits (`opsgate db copy`
into PostgreSQL sends its rows pipelined) leaves the connection in pipeline mode with a query
in flight, where it cannot take a ROLLBACK ("PQsendQuery not allowed in pipeline mode"). The
interrupt must still be what the command sees, so it ends in its one line ("copy interrupted:
nothing was copied"), never psycopg's error as a traceback; and nothing of the transaction is
committed."""

from __future__ import annotations

import pytest

from bot.store import Store


def test_an_interrupt_mid_pipeline_is_raised_and_nothing_is_committed(
    postgres_database: str,
) -> None:
    store = Store.open(postgres_database)
    engine = store.engine
    try:
        with pytest.raises(KeyboardInterrupt), engine.write() as db:
            db.execute("CREATE TABLE scratch (k text)")
            db.execute("INSERT INTO scratch (k) VALUES ('half-written')")
            # What an interrupt inside psycopg's pipeline wait leaves behind.
            conn = db.conn
            conn.pgconn.enter_pipeline_mode()
            conn.pgconn.send_query_params(b"SELECT 1", None)
            raise KeyboardInterrupt

        with engine.read() as db:  # the pool hands out a working connection again
            found = db.query("SELECT to_regclass('scratch') IS NOT NULL AS there")
        assert found == [{"there": False}]  # rolled back, on the server
    finally:
        store.close()
