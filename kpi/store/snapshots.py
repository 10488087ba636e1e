"""Read snapshots: immutable, versioned copies of the store that readers open instead of it.

A DuckDB file held by a writer cannot be opened by any other process, not even to read. So every
write ends by publishing a copy of the committed file as the next version, and pages, reports and
exports read the newest version through read-only connections: a long `etl load` never makes a
reader wait, and readers see each commit whole. The folder can be copied to other machines,
where read-only replicas serve the same versions (docs/DEPLOY.md).

    data/dashboard.duckdb                      the primary (writers only)
    data/dashboard.duckdb.snapshots/
        v000042.duckdb                          one published version (never changed)
        CURRENT                                 {"version": 42, "file": ..., "primary": [...]}
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from kpi.base import config, files

POINTER = "CURRENT"
# Versions kept besides the newest: a reader that has just read the pointer still finds its file.
KEEP_OLD_VERSIONS = 2


def folder(primary: Path) -> Path:
    """Where the snapshots of `primary` are published ($KPI_SNAPSHOT_DIR on a replica)."""
    return config.snapshot_dir() or Path(str(primary) + ".snapshots")


def _stamp(primary: Path) -> list[int]:
    """What identifies the primary's committed state: size and modification time."""
    stat = primary.stat()
    return [stat.st_size, stat.st_mtime_ns]


def pointer(primary: Path) -> dict | None:
    """The newest published version as recorded in CURRENT, or None before the first publish."""
    try:
        return json.loads((folder(primary) / POINTER).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def newest(primary: Path) -> Path | None:
    """The file of the newest published version, if there is one."""
    current = pointer(primary)
    if current is None:
        return None
    path = folder(primary) / current["file"]
    return path if path.exists() else None


def version(primary: Path) -> int:
    """The newest version number (0 before the first publish): part of every cache key."""
    current = pointer(primary)
    return int(current["version"]) if current else 0


def is_stale(primary: Path) -> bool:
    """True when the primary holds a commit that has not been published."""
    current = pointer(primary)
    return current is None or current.get("primary") != _stamp(primary)


def publish(primary: Path) -> int:
    """Copy the committed primary as the next version and point CURRENT at it.

    The caller holds the primary open read-write after a checkpoint, so no other process can
    change it while it is copied, and the file on disk is a complete database.
    """
    target = folder(primary)
    target.mkdir(parents=True, exist_ok=True)
    number = version(primary) + 1
    name = f"v{number:06d}.duckdb"
    _atomic_copy(primary, target / name)
    record = {"version": number, "file": name, "primary": _stamp(primary)}
    _atomic_write(target / POINTER, json.dumps(record))
    _prune(target, keep={name})
    return number


def _atomic_copy(source: Path, destination: Path) -> None:
    with files.replacing(destination) as handle, open(source, "rb") as original:
        try:  # in the kernel: no trip through Python's buffers; a reflink where the disk has them
            remaining = os.fstat(original.fileno()).st_size
            while remaining > 0:
                copied = os.copy_file_range(original.fileno(), handle.fileno(), remaining)
                if copied == 0:  # shorter than it was a moment ago: never publish a part
                    raise OSError("short copy")
                remaining -= copied
        except OSError:  # not offered here: copy it in Python, from the start
            original.seek(0)
            handle.seek(0)
            handle.truncate()
            shutil.copyfileobj(original, handle, 2**20)


def _atomic_write(destination: Path, text: str) -> None:
    with files.replacing(destination) as handle:
        handle.write(text.encode("utf-8"))


def _prune(target: Path, keep: set[str]) -> None:
    """Delete all but the newest versions; a reader that has one open keeps reading it."""
    versions = sorted(target.glob("v*.duckdb"))
    for old in versions[: -(KEEP_OLD_VERSIONS + 1)]:
        if old.name not in keep:
            old.unlink(missing_ok=True)
