"""Two connections that read and then write the same SQLite file at once (what concurrent role
switches do): both must succeed, one after the other, with no update lost."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from backend.core.db import create_db_engine


def test_concurrent_read_then_write_transactions_both_commit(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    first_has_read = threading.Event()
    second_committed = threading.Event()
    errors: list[BaseException] = []

    def increment(*, first: bool) -> None:
        try:
            if not first:
                first_has_read.wait(5)
            with engine.begin() as connection:
                value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                if first:
                    # The other transaction starts, reads and writes while this one holds its
                    # read: with a deferred BEGIN it commits at once and this one's UPDATE then
                    # fails under WAL. With BEGIN IMMEDIATE it waits for this one's commit, so
                    # the wait below ends by its timeout (within the 5 s busy timeout).
                    first_has_read.set()
                    second_committed.wait(2)
                connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
            if not first:
                second_committed.set()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=increment, kwargs={"first": f}) for f in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM counter")).scalar_one() == 2
    engine.dispose()
