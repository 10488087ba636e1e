"""The store's front door: short-lived connections to a file that is built on first use."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpi.base import config
from kpi.base.errors import DatabaseBusy, ReplicaReadOnly, SetupError
from kpi.store import demo, reference, snapshots
from kpi.store.connection import SCHEMA_SQL, open_with_retry, transaction

_ready_paths: set[Path] = set()
_fresh_paths: set[Path] = set()  # published or checked in this process
_current_schema_paths: set[Path] = set()  # their newest snapshot has every table and column
# Every table and added column the schema defines: a snapshot published by an older release
# lacks some until the primary is brought up to date and published again.
SCHEMA_COLUMNS = frozenset(
    [(t, None) for t in re.findall(r"create (?:table|view) if not exists (\w+)", SCHEMA_SQL)]
    + re.findall(r"alter table (\w+) add column if not exists (\w+)", SCHEMA_SQL)
)
SCHEMA_SEQUENCES = frozenset(re.findall(r"create sequence if not exists (\w+)", SCHEMA_SQL))
SCHEMA_FINGERPRINT = hashlib.sha256(SCHEMA_SQL.encode("utf-8")).hexdigest()
_ready_lock = threading.Lock()
# One read-only instance held open per store on its newest snapshot. A snapshot file never
# changes, and DuckDB hands a later connect to an open file the same instance, so a read costs
# microseconds instead of starting an instance (10-45 ms). It holds no lock a writer waits for.
_held_snapshots: OrderedDict[Path, tuple[tuple, duckdb.DuckDBPyConnection]] = OrderedDict()
HELD_SNAPSHOTS = 4  # stores whose snapshot stays open (tests open hundreds; a server one)
_held_lock = threading.Lock()
# A new store's block size. Each table takes a block at least, and the store has thirty small
# ones: with DuckDB's 256 KiB blocks the demo store is a 7.9 MB file, with 64 KiB ones 2.0 MB,
# and every commit copies it as a snapshot. After a million figures: 6.9 MB instead of 13.4,
# loaded as fast (16 KiB blocks would make such a store larger again).
BLOCK_SIZE = 64 * 1024


@contextmanager
def connect(path: Path | str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the primary store for one write, waiting while another process holds its lock.

    On the way out, a commit made on the connection is published as a new read snapshot.
    """
    if config.is_replica():
        raise ReplicaReadOnly()
    target = config.db_path(path)
    if not target.exists():
        ensure_database(target)
    con = open_with_retry(target, read_only=False)
    try:
        _ensure_schema(con, target)  # on this connection: a second open costs ~30 ms
        yield con
    finally:
        try:
            _publish_if_changed(con, target)
        finally:
            con.close()


def _publish_if_changed(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Checkpoint, then publish the file when it differs from the newest snapshot."""
    try:
        con.execute("checkpoint")
    except duckdb.Error:
        return  # another connection of this process is mid-transaction; it publishes at its end
    if snapshots.is_stale(target):
        snapshots.publish(target)
        if target in _ready_paths:  # its schema was brought up to date in this process
            _current_schema_paths.add(target)


@contextmanager
def read(path: Path | str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the newest snapshot: it never waits for a writer.

    Pages, reports and exports read through it; they see each commit whole, once published.
    """
    target = config.db_path(path)
    for _attempt in range(3):
        snapshot = _newest_snapshot(target)
        try:
            con = _open_snapshot(target, snapshot)
        except (duckdb.IOException, FileNotFoundError):
            if snapshot.exists():
                raise
            continue  # pruned between reading the pointer and opening it: read the pointer again
        if not _has_current_schema(con, target):
            con.close()
            _publish_now(target, wait=True)  # upgrades the primary, publishes it
            continue
        try:
            yield con
        finally:
            con.close()
        return
    raise DatabaseBusy(str(target))


def _open_snapshot(target: Path, snapshot: Path) -> duckdb.DuckDBPyConnection:
    """A new read-only connection to `snapshot`, on the instance held open for `target`."""
    stat = snapshot.stat()
    # The file's identity, not only its name: a store rebuilt from scratch numbers from 1 again.
    identity = (str(snapshot), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _held_lock:
        held = _held_snapshots.get(target)
        if held is None or held[0] != identity:
            _release(target)
            _held_snapshots[target] = (identity, duckdb.connect(str(snapshot), read_only=True))
            while len(_held_snapshots) > HELD_SNAPSHOTS:
                _release(next(iter(_held_snapshots)))
        _held_snapshots.move_to_end(target)
        return duckdb.connect(str(snapshot), read_only=True)


def _release(target: Path) -> None:
    """Close the instance held for `target`; connections still open on it keep it alive."""
    held = _held_snapshots.pop(target, None)
    if held is not None:
        held[1].close()


def _has_current_schema(con: duckdb.DuckDBPyConnection, target: Path) -> bool:
    """True when the snapshot has every table and column of this release (checked once per
    process; a replica reads what its primary publishes)."""
    if target in _current_schema_paths or config.is_replica():
        return True
    if _has_fingerprint(con):
        _current_schema_paths.add(target)
        return True
    rows = con.execute("select table_name, column_name from information_schema.columns").fetchall()
    present = {(t, None) for t, _ in rows} | set(rows)
    if not present >= SCHEMA_COLUMNS:
        with _ready_lock:
            _ready_paths.discard(target)  # so that _ensure_schema runs on the primary
        return False
    _current_schema_paths.add(target)
    return True


def _newest_snapshot(target: Path) -> Path:
    """The snapshot to read; on first use in this process, publish a commit not yet published."""
    if config.is_replica():
        found = snapshots.newest(target)
        if found is None:
            raise SetupError("error.replica_no_snapshot", folder=snapshots.folder(target))
        return found
    with _ready_lock:
        checked = target in _fresh_paths
        _fresh_paths.add(target)
    found = snapshots.newest(target)
    if found is None or (not checked and snapshots.is_stale(target)):
        _publish_now(target, wait=found is None)
        found = snapshots.newest(target)
    return found


def _publish_now(target: Path, *, wait: bool) -> None:
    """Publish the primary (built first if missing); without `wait`, skip it while it is busy."""
    if not target.exists():
        ensure_database(target)
    try:
        con = open_with_retry(target, read_only=False, wait=wait)
    except DatabaseBusy:
        if wait:
            raise
        return  # a writer holds it and will publish when it commits
    try:
        _ensure_schema(con, target)
    finally:
        try:
            _publish_if_changed(con, target)
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
        if _has_fingerprint(con):
            _ready_paths.add(path)
            return
        present = _schema_present(con)
        # A store built before indicators declared their breakdowns.
        outdated = ("indicators", None) in present and ("indicators", "breakdowns") not in present
        # Running the schema's statements costs tens of ms even when all exist; the catalog
        # tells it in one or two.
        if not present >= SCHEMA_COLUMNS | {(name, "sequence") for name in SCHEMA_SEQUENCES}:
            con.execute(SCHEMA_SQL)
        if outdated:
            reference.load_all_plans(con)
        _write_fingerprint(con)
        _ready_paths.add(path)


def _has_fingerprint(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this release's schema statements have run on the store: 1 ms on a fresh
    connection, where reading the catalog (_schema_present) takes about 20."""
    try:
        rows = con.execute("select fingerprint from schema_fingerprint").fetchall()
    except duckdb.CatalogException:
        return False  # a store of an older release
    return rows == [(SCHEMA_FINGERPRINT,)]


def _write_fingerprint(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.execute("delete from schema_fingerprint")
        con.execute("insert into schema_fingerprint values (?)", [SCHEMA_FINGERPRINT])


def _schema_present(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str | None]]:
    """(table, None) and (table, column) of each table and view; (name, 'sequence') of each
    sequence. duckdb_columns() is much cheaper than information_schema on a fresh connection."""
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database()"
    ).fetchall()
    sequences = con.execute(
        "select sequence_name from duckdb_sequences() where database_name = current_database()"
    ).fetchall()
    return {(t, None) for t, _ in rows} | set(rows) | {(name, "sequence") for (name,) in sequences}


def build_database(path: Path, *, with_demo: bool) -> None:
    """Build a new database file next to `path`, then publish it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".duckdb", dir=path.parent)
    os.close(fd)
    os.unlink(tmp_name)  # duckdb wants to create the file itself
    tmp = Path(tmp_name)
    try:
        con = duckdb.connect(str(tmp), config={"default_block_size": str(BLOCK_SIZE)})
        try:
            con.execute(SCHEMA_SQL)
            _write_fingerprint(con)
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
        _fresh_paths.discard(Path(path))
        _current_schema_paths.discard(Path(path))
    with _held_lock:
        _release(Path(path))
