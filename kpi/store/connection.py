"""DuckDB file connections with a wait on another process's lock, and transactions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpi.base import config
from kpi.base.errors import DatabaseBusy

SCHEMA_SQL = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")


def _is_lock_error(err: Exception) -> bool:
    text = str(err).lower()
    return "lock" in text or "conflicting" in text


def open_with_retry(path: Path, *, read_only: bool, wait: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds its lock (config.LOCK_WAIT_SECONDS)."""
    deadline = time.monotonic() + (config.LOCK_WAIT_SECONDS if wait else 0)
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as err:
            if not _is_lock_error(err) or time.monotonic() > deadline:
                if _is_lock_error(err):
                    raise DatabaseBusy(str(path)) from err
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block as one transaction: everything is committed, or nothing."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
