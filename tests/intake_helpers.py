"""Helpers shared by the intake tests: full table dumps and the upload fixtures."""

from pathlib import Path

import duckdb

UPLOADS = Path(__file__).parent / "fixtures" / "uploads"
HISTORY_TABLES = ("figures", "batches", "uploaded_files", "task_updates", "audit_log")


def dump_tables(path: Path, tables: tuple[str, ...] = HISTORY_TABLES) -> dict[str, list[tuple]]:
    """Every row of the history tables, sorted, so two dumps compare equal iff contents match."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def fixture_bytes(name: str) -> bytes:
    """The bytes of one file in tests/fixtures/uploads."""
    return (UPLOADS / name).read_bytes()
