"""Files kept by content hash in a folder beside the store file: `<db file>.<kind>/<sha[:2]>/<sha>`.

The 佐证材料 (kind "evidence") and the uploaded figure files (kind "uploads") live here rather
than in the store: every write publishes a full copy of the store (kpi.store.snapshots), so a
file inside it would be copied again at every later write and kept in every version. A file is
written before the row that names it is committed; one whose write then fails stays unreferenced
(harmless: content-addressed, never listed). Nothing serves a folder directly: its files leave
through `read`, which verifies the hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kpi.base import config, files
from kpi.base.errors import KpiError

EVIDENCE = "evidence"
UPLOADS = "uploads"


def folder(path: Path | str | None, kind: str) -> Path:
    """The folder of one kind of kept file: `<db file>.<kind>` beside the store."""
    target = config.db_path(path)
    return target.with_name(f"{target.name}.{kind}")


def _file(where: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256: {sha256!r}")  # never a path from a row's text
    return where / sha256[:2] / sha256


def keep(where: Path, content: bytes, sha256: str) -> None:
    """Write `content` (whose hash the caller worked out) under `sha256`: synced, then renamed,
    kept once.

    A copy already kept is compared byte for byte, not by size: one altered on disk is written
    again, so that keeping the same file repairs it for every row that names it.
    """
    target = _file(where, sha256)
    if _holds(target, content):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with files.replacing(target, durable=True) as handle:
        handle.write(content)


def _holds(target: Path, content: bytes) -> bool:
    try:
        return target.stat().st_size == len(content) and target.read_bytes() == content
    except FileNotFoundError:
        return False


def read(where: Path, sha256: str) -> bytes | None:
    """The kept file of a hash; None when its bytes no longer match it (FileNotFoundError when
    it is gone)."""
    content = _file(where, sha256).read_bytes()
    return content if hashlib.sha256(content).hexdigest() == sha256 else None


def read_checked(where: Path, sha256: str, *, missing: str, damaged: str, **params) -> bytes:
    """The kept file of a hash; KpiError `missing` when it is gone, `damaged` when its bytes no
    longer match it (`params` fill either message)."""
    try:
        content = read(where, sha256)
    except FileNotFoundError:
        raise KpiError(missing, **params) from None
    if content is None:
        raise KpiError(damaged, **params)
    return content
