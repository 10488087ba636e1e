"""The store's front door: short-lived connections to a file that is built on first use."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpi.base import config
from kpi.store import demo, reference
from kpi.store.connection import SCHEMA_SQL, open_with_retry

_ready_paths: set[Path] = set()
_ready_lock = threading.Lock()


@contextmanager
def connect(
    path: Path | str | None = None, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database for one operation, waiting while another process holds the lock."""
    target = config.db_path(path)
    if read_only or not target.exists():
        ensure_database(target)
    con = open_with_retry(target, read_only=read_only)
    try:
        if not read_only:
            _ensure_schema(con, target)  # on this connection: a second open costs ~30 ms
        yield con
    finally:
        con.close()


def ensure_database(path: Path, *, with_demo: bool | None = None) -> None:
    """Create the database from data/ on first use; later calls cost a set look-up."""
    path = Path(path)
    with _ready_lock:
        if path in _ready_paths:
            return
        if not path.exists():
            if with_demo is None:
                with_demo = config.is_default_db(path)
            build_database(path, with_demo=with_demo)
            _ready_paths.add(path)
            return
    con = open_with_retry(path, read_only=False)
    try:
        _ensure_schema(con, path)
    finally:
        con.close()


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create missing tables in an existing file, once per process and file."""
    with _ready_lock:
        if path in _ready_paths:
            return
        con.execute(SCHEMA_SQL)
        _ready_paths.add(path)


def build_database(path: Path, *, with_demo: bool) -> None:
    """Build a new database file next to `path`, then publish it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".duckdb", dir=path.parent)
    os.close(fd)
    os.unlink(tmp_name)  # duckdb wants to create the file itself
    tmp = Path(tmp_name)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(SCHEMA_SQL)
            reference.load_all_plans(con)
            if with_demo:
                demo.load_demo(con)
            con.execute("checkpoint")
        finally:
            con.close()
        if path.exists():  # another process won the race; keep its file
            tmp.unlink()
        else:
            os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            if leftover.exists():
                leftover.unlink()


def forget(path: Path) -> None:
    """Drop the 'already set up' mark (tests that delete and rebuild a file)."""
    with _ready_lock:
        _ready_paths.discard(Path(path))
