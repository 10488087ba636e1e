"""Helpers shared by the intake tests: table dumps, upload fixtures, accounts, page runs."""

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from kpi.auth import accounts as auth_accounts
from kpi.base import config
from kpi.web.signin import SESSION_KEY

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


# An accounts file's bytes by the accounts it holds, written once per test process with
# add_user (each a locked, fsynced write) and copied for the next test that asks for the same.
_ACCOUNT_FILES: dict[tuple, bytes] = {}


def use_accounts(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    db_path: Path,
    accounts: dict[str, tuple[str, str | None]],
) -> Path:
    """KPI_DB -> db_path; KPI_USERS_FILE -> `accounts` (name: (role, unit)), cheap hashes.

    Each account's password is "<name>-password-1".
    """
    monkeypatch.setattr(auth_accounts, "BCRYPT_ROUNDS", 4)
    monkeypatch.setattr(config, "LOCAL_USERS_FILE", tmp_path / "no-local-users.yaml")
    users = tmp_path / "secrets" / "users.yaml"
    key = tuple(accounts.items())
    if key not in _ACCOUNT_FILES:
        for name, (role, unit) in accounts.items():
            auth_accounts.add_user(users, name, role, unit, f"{name}-password-1")
        _ACCOUNT_FILES[key] = users.read_bytes()
    else:  # the same accounts as an earlier test: its file, not 3 durable writes per account
        users.parent.mkdir(parents=True, exist_ok=True)
        users.write_bytes(_ACCOUNT_FILES[key])
        users.chmod(0o600)
    monkeypatch.setenv("KPI_USERS_FILE", str(users))
    monkeypatch.setenv("KPI_DB", str(db_path))
    monkeypatch.delenv("KPI_VIEW_REQUIRES_LOGIN", raising=False)
    return db_path


def run_page(page: str, username: str | None = None, lang: str = "zh", *, check=True) -> AppTest:
    """Run a page (path relative to tests/) as `username`; no exception unless check=False."""
    at = AppTest.from_file(page, default_timeout=90)
    if username:
        at.session_state[SESSION_KEY] = username
    at.session_state["lang"] = lang
    at.run()
    if check:
        assert not at.exception, [e.value for e in at.exception]
    return at
