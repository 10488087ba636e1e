"""Accounts and roles: bcrypt hashes in a YAML file (no Streamlit).

Edited with `python -m etl users ...` (see docs/SECURITY.md) and by the admin pages (through
kpi.store.account_changes); both take the same lock."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import yaml

from kpi.base import config, files, i18n
from kpi.base.errors import (
    DemoFileRefused,
    InputRejected,
    LastAdminError,
    UnknownUserError,
    UsersFileError,
)

log = logging.getLogger(__name__)


ROLES = ("viewer", "staff", "reviewer", "admin")


BCRYPT_ROUNDS = 12  # about 0.3 s per check on this machine
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 raises instead of truncating
USERNAME_RE = re.compile(r"\w[\w.@-]{0,63}")


@dataclass(frozen=True)
class User:
    """A signed-in account as the app sees it (never carries the password hash)."""

    username: str
    role: str
    unit: str | None
    display_name: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {ROLES}")
        if self.role == "staff" and not self.unit:
            raise ValueError("a staff account must be bound to exactly one responsible unit")
        if self.role != "staff" and self.unit is not None:
            raise ValueError(f"a {self.role} account has no unit (got {self.unit!r})")


@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str
    disabled: bool = False  # kept in the file, but may not sign in


def users_file() -> Path:
    """The accounts file: $KPI_USERS_FILE, else config/users.yaml if present, else the demo file."""
    setting = config.users_file_setting()
    if setting is not None:
        return setting
    if config.LOCAL_USERS_FILE.exists():
        return config.LOCAL_USERS_FILE
    return config.DEMO_USERS_FILE


def writable_users_file() -> Path:
    """Where `etl users add` writes: $KPI_USERS_FILE, else config/users.yaml (never the demo
    file)."""
    return config.users_file_setting() or config.LOCAL_USERS_FILE


def is_demo_file(path: str | os.PathLike) -> bool:
    """True when `path` is the shipped demo accounts file."""
    return Path(path).resolve() == config.DEMO_USERS_FILE.resolve()


def demo_accounts_allowed(
    db: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> bool:
    """Demo accounts may sign in only against the embedded default database, and only while it
    holds the demo figures: `demo_mode` says so (the store knows, this floor does not; the app
    always passes it, see kpi.web.signin); None checks the database path alone."""
    return config.is_default_db(config.db_path(db)) and demo_mode is not False


def demo_accounts_active(
    db: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> bool:
    """True while the shipped demo accounts (documented passwords) are the ones signing in."""
    return is_demo_file(users_file()) and demo_accounts_allowed(db, demo_mode=demo_mode)


def startup_warning(
    db: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> str | None:
    """A Chinese + English warning about the accounts set-up, or None when all is well."""
    path = users_file()
    if is_demo_file(path):
        if demo_accounts_allowed(db, demo_mode=demo_mode):
            return _warning_text("accounts.demo_in_use")
        if config.is_default_db(config.db_path(db)):
            return _warning_text("authority.demo_ended_banner")
        return _warning_text("accounts.demo_disabled")
    if not path.exists():
        return _warning_text("accounts.file_missing", path=path)
    try:
        users = load_users(path)
    except UsersFileError as err:
        return _warning_text(err.key, **err.params)
    except OSError as err:
        return _warning_text("accounts.file_unreadable", detail=err)
    if path.resolve().is_relative_to(config.DATA_DIR.resolve()):
        return _warning_text("accounts.file_under_data", path=path)
    if not users:
        return _warning_text("accounts.file_empty", path=path)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        return _warning_text("accounts.file_too_open", path=path)
    return None


def _warning_text(key: str, **values: object) -> str:
    """A start-up warning in both languages: it goes to the log as well as the banner."""
    return f"⚠ {i18n.both(key, **values)}"


_logged_warning = threading.Event()


def log_startup_warning(
    db: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> str | None:
    """Log `startup_warning()` once per process and return it (for the app's banner)."""
    warning = startup_warning(db, demo_mode=demo_mode)
    if warning and not _logged_warning.is_set():
        _logged_warning.set()
        log.warning(warning)
    return warning


_FILE_LOCK = threading.Lock()  # serialises read-modify-write of the accounts file in this process


_cache: dict[Path, tuple[tuple[int, int], dict[str, Account]]] = {}


_cache_lock = threading.Lock()


_FILE_HEADER = (
    "# Sign-in accounts for the KPI dashboard. Passwords are stored only as bcrypt hashes.\n"
    "# Edit with `python -m etl users add | remove | list` (docs/SECURITY.md).\n"
)


def _parse_accounts(path: Path, text: str) -> dict[str, Account]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UsersFileError(f"{path}: not valid YAML ({err})") from err
    if doc is None:
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("users") or {}, dict):
        raise UsersFileError(f"{path}: expected a mapping with a 'users' mapping")
    accounts: dict[str, Account] = {}
    for name, entry in (doc.get("users") or {}).items():
        name = str(name)
        if not isinstance(entry, dict):
            raise UsersFileError(f"{path}: user {name!r}: expected a mapping")
        password_hash = str(entry.get("password_hash") or "")
        if not password_hash.startswith("$2"):
            raise UsersFileError(f"{path}: user {name!r}: password_hash is not a bcrypt hash")
        try:
            user = User(
                username=name,
                role=str(entry.get("role", "")),
                unit=str(entry["unit"]).strip() if entry.get("unit") else None,
                display_name=str(entry.get("display_name") or name),
            )
        except ValueError as err:
            raise UsersFileError(f"{path}: user {name!r}: {err}") from err
        accounts[name] = Account(user, password_hash, bool(entry.get("disabled", False)))
    return accounts


def _read_accounts(path: Path) -> dict[str, Account]:
    """Accounts in `path` (re-read only when the file changed); a missing file has none."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = path.resolve()
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    accounts = _parse_accounts(path, path.read_text(encoding="utf-8"))
    with _cache_lock:
        _cache[key] = (stamp, accounts)
    return accounts


def _write_accounts(path: Path, accounts: dict[str, Account]) -> None:
    """Write the file atomically (temp file in the same folder + os.replace), mode 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "users": {
            name: {
                "role": a.user.role,
                "unit": a.user.unit,
                "display_name": a.user.display_name,
                "password_hash": a.password_hash,
            }
            | ({"disabled": True} if a.disabled else {})
            for name, a in sorted(accounts.items())
        }
    }
    body = _FILE_HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    with files.replacing(path, mode=0o600, durable=True) as handle:
        handle.write(body.encode("utf-8"))
    with _cache_lock:
        _cache.pop(path.resolve(), None)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the accounts file for one read-modify-write: this process's lock, then (on POSIX) an
    exclusive flock on its folder (the file itself is replaced on every write, so it cannot
    carry the lock), so the CLI and the app never lose each other's change."""
    with _FILE_LOCK:
        try:
            import fcntl
        except ImportError:  # not POSIX: the in-process lock only
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


def _writable(path: str | os.PathLike) -> Path:
    path = Path(path)
    if is_demo_file(path):
        raise DemoFileRefused(path)
    return path


def _enabled_admins(accounts: dict[str, Account]) -> set[str]:
    return {n for n, a in accounts.items() if a.user.role == "admin" and not a.disabled}


def _check_admin_left(before: dict[str, Account], after: dict[str, Account]) -> None:
    if _enabled_admins(before) and not _enabled_admins(after):
        raise LastAdminError()


def hash_password(password: str) -> str:
    """A bcrypt hash of `password` (after checking its length)."""
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def check_password_rules(password: str, username: str | None = None) -> None:
    """Refuse (InputRejected) a new password that is too short, too long for bcrypt or the
    username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise InputRejected("accounts.password_too_short", n=MIN_PASSWORD_CHARS)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise InputRejected("accounts.password_too_long", n=MAX_PASSWORD_BYTES)
    if username is not None and password.strip().casefold() == username.strip().casefold():
        raise InputRejected("accounts.password_is_username")


def add_user(
    path: str | os.PathLike,
    username: str,
    role: str,
    unit: str | None,
    password: str,
    display_name: str | None = None,
    *,
    replace: bool = False,
) -> User:
    """Add (or with replace=True, overwrite) an account in the YAML file at `path`."""
    path = _writable(path)
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise InputRejected("accounts.bad_username")
    unit = unit.strip() if unit and unit.strip() else None
    user = User(username, role, unit, (display_name or "").strip() or username)
    check_password_rules(password, username)
    password_hash = hash_password(password)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        if username in accounts and not replace:
            raise InputRejected("accounts.user_exists_use_replace", username=username)
        before = dict(accounts)
        accounts[username] = Account(user, password_hash)
        _check_admin_left(before, accounts)
        _write_accounts(path, accounts)
    return user


def remove_user(path: str | os.PathLike, username: str, *, keep_an_admin: bool = False) -> bool:
    """Remove an account; False when there was none of that name.

    With keep_an_admin, refuse (LastAdminError) to remove the last enabled admin.
    """
    path = _writable(path)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        before = dict(accounts)
        if accounts.pop(username.strip(), None) is None:
            return False
        if keep_an_admin:
            _check_admin_left(before, accounts)
        _write_accounts(path, accounts)
    return True


_UNCHANGED = object()


def update_user(
    path: str | os.PathLike,
    username: str,
    *,
    role: str | None = None,
    unit: str | None | object = _UNCHANGED,
    display_name: str | None = None,
    disabled: bool | None = None,
) -> User:
    """Change an account's role, unit, display name or disabled flag; the password stays.

    Raises UnknownUserError when there is no such account, ValueError for an invalid
    combination (a staff account without a unit), LastAdminError when no enabled admin would
    be left.
    """
    path = _writable(path)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        account = _existing(accounts, username)
        old = account.user
        new_role = role or old.role
        new_unit = old.unit if unit is _UNCHANGED else unit
        if new_role != "staff":
            new_unit = None
        new_unit = new_unit.strip() if isinstance(new_unit, str) and new_unit.strip() else None
        name = (display_name or "").strip() or old.display_name
        user = User(username, new_role, new_unit, name)
        before = dict(accounts)
        accounts[username] = Account(
            user, account.password_hash, account.disabled if disabled is None else disabled
        )
        _check_admin_left(before, accounts)
        _write_accounts(path, accounts)
    return user


def _existing(accounts: dict[str, Account], username: str) -> Account:
    """The account of `username`; UnknownUserError when there is none."""
    account = accounts.get(username)
    if account is None:
        raise UnknownUserError(username)
    return account


def set_password(path: str | os.PathLike, username: str, password: str) -> None:
    """Give an existing account a new password (same rules as add_user); nothing else changes."""
    path = _writable(path)
    check_password_rules(password, username)
    password_hash = hash_password(password)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        account = _existing(accounts, username)
        accounts[username] = Account(account.user, password_hash, account.disabled)
        _write_accounts(path, accounts)


def list_accounts(path: str | os.PathLike | None = None) -> list[dict]:
    """Every account as username, display_name, role, unit, disabled (never the hash)."""
    accounts = _read_accounts(Path(path or users_file()))
    return [
        {
            "username": name,
            "display_name": a.user.display_name,
            "role": a.user.role,
            "unit": a.user.unit,
            "disabled": a.disabled,
        }
        for name, a in sorted(accounts.items())
    ]


def load_users(path: str | os.PathLike | None = None) -> dict[str, User]:
    """Accounts in `path` (default: `users_file()`) by username, without hashes."""
    return {n: a.user for n, a in _read_accounts(Path(path or users_file())).items()}


def list_users(path: str | os.PathLike | None = None) -> list[User]:
    """Accounts in `path` (default: `users_file()`), sorted by username."""
    return sorted(load_users(path).values(), key=lambda u: u.username)


def active_accounts(
    path: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> dict[str, Account]:
    """Accounts that may sign in now: none from the demo file unless `demo_accounts_allowed`."""
    path = Path(path or users_file())
    if is_demo_file(path) and not demo_accounts_allowed(demo_mode=demo_mode):
        return {}
    return {n: a for n, a in _read_accounts(path).items() if not a.disabled}


def lookup_user(
    username: str, path: str | os.PathLike | None = None, *, demo_mode: bool | None = None
) -> User | None:
    """The current record of a signed-in user (None once removed, disabled or the demo ended)."""
    account = active_accounts(path, demo_mode=demo_mode).get(username)
    return account.user if account else None


def known_units(plans_dir: Path | None = None) -> set[str]:
    """Responsible units named in data/plans/*/responsible_units.csv (empty if none loaded yet)."""
    units: set[str] = set()
    for csv_path in sorted(Path(plans_dir or config.PLANS_DIR).glob("*/responsible_units.csv")):
        with csv_path.open(encoding="utf-8-sig", newline="") as fh:
            units.update(row["unit_zh"].strip() for row in csv.DictReader(fh) if row.get("unit_zh"))
    return units
