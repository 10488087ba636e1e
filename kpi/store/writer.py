"""One write at a time: the connection every browser write runs on, and why it may wait."""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from kpi.base import config
from kpi.base.errors import RetryLater, StoreFull
from kpi.store import db
from kpi.store.queries import Con

# One writer at a time in this process; other processes are kept out by DuckDB's file lock.
_WRITE_LOCK = threading.Lock()


def _wait_seconds() -> float:
    return config.LOCK_WAIT_SECONDS


@contextmanager
def writer(path: Path | str | None) -> Iterator[Con]:
    """A connection for one write, held alone in this process; busy or conflict -> RetryLater.

    Every write from the browser runs on it: the upload, rollback and task-update functions of
    kpi.store.intake, target edits and account changes.
    """
    if not _WRITE_LOCK.acquire(timeout=_wait_seconds()):
        raise RetryLater("another write of this process is still running")
    try:
        with db.connect(path) as con:
            yield con
    except duckdb.TransactionException as err:
        if "no space left" in str(err).lower():
            raise StoreFull() from err
        raise RetryLater(str(err)) from err
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise RetryLater(str(err)) from err
        raise
    except OSError as err:  # a file kept beside the store (kpi.store.kept_files)
        if err.errno == errno.ENOSPC:
            raise StoreFull() from err
        raise
    finally:
        _WRITE_LOCK.release()
