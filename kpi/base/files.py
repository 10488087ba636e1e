"""Files that change whole: written under a temporary name beside the target, then renamed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def replacing(
    target: Path, *, mode: int | None = None, durable: bool = False
) -> Iterator[BinaryIO]:
    """A binary file that replaces `target` when the block ends, and is removed if it raises.

    os.replace in one folder is atomic: a reader sees the old file or the new one, never part of
    one. `mode` sets the permissions before anything is written (a password file is never
    readable by others, not even briefly); `durable` syncs the bytes to disk before the rename.
    The temporary name starts with a dot and the target's name, so no glob for the target's kind
    of file (v*.duckdb) picks it up.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
