"""Accounts, roles and sign-in: bcrypt hashes in a YAML file, checked server-side (no Streamlit).

Every function that writes calls `require(user, action, unit=...)` before writing; hidden
buttons are never the protection. Command line (see docs/SECURITY.md):

    python -m kpi.auth add-user NAME --role staff --unit 市工业和信息化局 [--password-stdin]
    python -m kpi.auth list-users
    python -m kpi.auth remove-user NAME
    python -m kpi.auth disable-user NAME | enable-user NAME

The admin pages (pages/users.py through kpi.admin) use the same functions and the same lock.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import getpass
import logging
import math
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import yaml

from kpi import config

log = logging.getLogger(__name__)

ROLES = ("viewer", "staff", "admin")
ROLE_LABELS = {
    "viewer": {"zh": "领导（只读）", "en": "viewer (read-only)"},
    "staff": {"zh": "上报员", "en": "staff"},
    "admin": {"zh": "管理员", "en": "admin"},
}

# Which roles may do what; staff are further limited to their own unit (see UNIT_BOUND_ACTIONS).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "upload": frozenset({"staff", "admin"}),
    "update_task": frozenset({"staff", "admin"}),
    "rollback": frozenset({"admin"}),
    "manage_users": frozenset({"admin"}),
    "edit_targets": frozenset({"admin"}),
}
ACTIONS = tuple(ACTION_ROLES)
# For these, a staff member passes only when `unit` (if given) is their own unit.
UNIT_BOUND_ACTIONS = frozenset({"upload", "update_task"})
# For these, a staff member must also name the unit (a task always has responsible units).
UNIT_REQUIRED_ACTIONS = frozenset({"update_task"})

CONFIG_DIR = config.REPO_DIR / "config"
DEMO_USERS_FILE = CONFIG_DIR / "demo_users.yaml"
LOCAL_USERS_FILE = CONFIG_DIR / "users.yaml"

BCRYPT_ROUNDS = 12  # about 0.3 s per check on this machine
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 raises instead of truncating
USERNAME_RE = re.compile(r"\w[\w.@-]{0,63}")

_TRUE = {"1", "true", "yes", "on"}


# ---------------------------------------------------------------------------- types


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

    def role_label(self, lang: str = "zh") -> str:
        """The role in the reader's language."""
        return ROLE_LABELS[self.role]["en" if lang == "en" else "zh"]


class PermissionDenied(Exception):
    """Raised by `require` when a user may not do an action; carries zh and en messages."""

    def __init__(self, action: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        self.action = action
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        """The refusal in the reader's language."""
        return self.message_en if lang == "en" else self.message_zh


class SignInLocked(Exception):
    """Raised by `authenticate` while a username or client is locked after failed sign-ins."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.message_zh = f"登录失败次数过多，请 {retry_after} 秒后再试"
        self.message_en = f"Too many failed sign-ins; try again in {retry_after} s"
        super().__init__(self.message_en)

    def message(self, lang: str = "zh") -> str:
        """The lock-out notice in the reader's language."""
        return self.message_en if lang == "en" else self.message_zh


class UsersFileError(ValueError):
    """The accounts file exists but cannot be used (bad YAML, bad entry)."""


class LastAdminError(ValueError):
    """A change would leave the accounts file without an enabled admin account."""


class UnknownUserError(ValueError):
    """No account of that name in the accounts file."""


@dataclass(frozen=True)
class _Account:
    user: User
    password_hash: str
    disabled: bool = False  # kept in the file, but may not sign in


# ---------------------------------------------------------------------------- settings


def users_file() -> Path:
    """The accounts file: $KPI_USERS_FILE, else config/users.yaml if present, else the demo file."""
    env = os.environ.get("KPI_USERS_FILE", "").strip()
    if env:
        return Path(env).expanduser()
    if LOCAL_USERS_FILE.exists():
        return LOCAL_USERS_FILE
    return DEMO_USERS_FILE


def writable_users_file() -> Path:
    """Where add-user writes: $KPI_USERS_FILE, else config/users.yaml (never the demo file)."""
    env = os.environ.get("KPI_USERS_FILE", "").strip()
    return Path(env).expanduser() if env else LOCAL_USERS_FILE


def is_demo_file(path: str | os.PathLike) -> bool:
    """True when `path` is the shipped demo accounts file."""
    return Path(path).resolve() == DEMO_USERS_FILE.resolve()


def demo_accounts_allowed(db: str | os.PathLike | None = None) -> bool:
    """Demo accounts may sign in only against the embedded default database."""
    return config.is_default_db(config.db_path(db))


def demo_accounts_active(db: str | os.PathLike | None = None) -> bool:
    """True while the shipped demo accounts (documented passwords) are the ones signing in."""
    return is_demo_file(users_file()) and demo_accounts_allowed(db)


def view_requires_login() -> bool:
    """$KPI_VIEW_REQUIRES_LOGIN (default off: viewing is open, for a server on 127.0.0.1)."""
    return os.environ.get("KPI_VIEW_REQUIRES_LOGIN", "").strip().lower() in _TRUE


def startup_warning(db: str | os.PathLike | None = None) -> str | None:
    """A Chinese + English warning about the accounts set-up, or None when all is well."""
    path = users_file()
    if is_demo_file(path):
        if demo_accounts_allowed(db):
            return (
                "⚠ 正在使用演示账号（config/demo_users.yaml，密码公开于 docs/SECURITY.md），"
                "仅可用于内置演示数据库。正式使用前请用 `python -m kpi.auth add-user` 创建账号。"
                " / Demo accounts with published passwords are in use (config/demo_users.yaml); "
                "they are only for the embedded demo database. Create real accounts with "
                "`python -m kpi.auth add-user` before real use."
            )
        return (
            "⚠ 当前数据库不是内置演示数据库，演示账号已停用，无人可以登录。"
            "请设置 KPI_USERS_FILE 或用 `python -m kpi.auth add-user` 创建 config/users.yaml。"
            " / Demo accounts are disabled because the database is not the embedded demo "
            "database, so nobody can sign in. Set KPI_USERS_FILE or create config/users.yaml "
            "with `python -m kpi.auth add-user`."
        )
    if not path.exists():
        return (
            f"⚠ 账号文件不存在：{path}，无人可以登录。"
            f" / The accounts file {path} does not exist; nobody can sign in."
        )
    try:
        users = load_users(path)
    except (UsersFileError, OSError) as err:
        return f"⚠ 账号文件无法读取 / The accounts file cannot be read: {err}"
    if path.resolve().is_relative_to(config.DATA_DIR.resolve()):
        return (
            f"⚠ 账号文件不应放在数据目录 data/ 下：{path}"
            f" / The accounts file should not live under the data folder: {path}"
        )
    if not users:
        return f"⚠ 账号文件中没有账号：{path} / The accounts file {path} holds no accounts."
    if os.name == "posix" and path.stat().st_mode & 0o077:
        return (
            f"⚠ 账号文件权限过宽，请执行 chmod 600 {path}"
            f" / The accounts file is readable by others; run chmod 600 {path}"
        )
    return None


_logged_warning = threading.Event()


def log_startup_warning(db: str | os.PathLike | None = None) -> str | None:
    """Log `startup_warning()` once per process and return it (for the app's banner)."""
    warning = startup_warning(db)
    if warning and not _logged_warning.is_set():
        _logged_warning.set()
        log.warning(warning)
    return warning


# ---------------------------------------------------------------------------- the accounts file

_FILE_LOCK = threading.Lock()  # serialises read-modify-write of the accounts file in this process
_cache: dict[Path, tuple[tuple[int, int], dict[str, _Account]]] = {}
_cache_lock = threading.Lock()

_FILE_HEADER = (
    "# Sign-in accounts for the KPI dashboard. Passwords are stored only as bcrypt hashes.\n"
    "# Edit with `python -m kpi.auth add-user | remove-user | list-users` (docs/SECURITY.md).\n"
)


def _parse_accounts(path: Path, text: str) -> dict[str, _Account]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise UsersFileError(f"{path}: not valid YAML ({err})") from err
    if doc is None:
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("users") or {}, dict):
        raise UsersFileError(f"{path}: expected a mapping with a 'users' mapping")
    accounts: dict[str, _Account] = {}
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
        accounts[name] = _Account(user, password_hash, bool(entry.get("disabled", False)))
    return accounts


def _read_accounts(path: Path) -> dict[str, _Account]:
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


def _write_accounts(path: Path, accounts: dict[str, _Account]) -> None:
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
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
        raise ValueError(f"refusing to write the shipped demo accounts file {path}")
    return path


def _enabled_admins(accounts: dict[str, _Account]) -> set[str]:
    return {n for n, a in accounts.items() if a.user.role == "admin" and not a.disabled}


def _check_admin_left(before: dict[str, _Account], after: dict[str, _Account]) -> None:
    if _enabled_admins(before) and not _enabled_admins(after):
        raise LastAdminError("this would leave no enabled admin account")


def hash_password(password: str) -> str:
    """A bcrypt hash of `password` (after checking its length)."""
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def check_password_rules(password: str, username: str | None = None) -> None:
    """Raise ValueError when a new password is too short, too long for bcrypt or the username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    if username is not None and password.strip().casefold() == username.strip().casefold():
        raise ValueError("password must differ from the username")


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
    path = Path(path)
    if is_demo_file(path):
        raise ValueError(f"refusing to write the shipped demo accounts file {path}")
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise ValueError(
            "username must be 1-64 letters, digits, '_', '.', '@' or '-' (not starting with those)"
        )
    unit = unit.strip() if unit and unit.strip() else None
    user = User(username, role, unit, (display_name or "").strip() or username)
    check_password_rules(password, username)
    password_hash = hash_password(password)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        if username in accounts and not replace:
            raise ValueError(f"user {username!r} already exists (use --replace to overwrite)")
        before = dict(accounts)
        accounts[username] = _Account(user, password_hash)
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
        account = accounts.get(username)
        if account is None:
            raise UnknownUserError(f"no user {username!r} in {path}")
        old = account.user
        new_role = role or old.role
        new_unit = old.unit if unit is _UNCHANGED else unit
        if new_role != "staff":
            new_unit = None
        new_unit = new_unit.strip() if isinstance(new_unit, str) and new_unit.strip() else None
        name = (display_name or "").strip() or old.display_name
        user = User(username, new_role, new_unit, name)
        before = dict(accounts)
        accounts[username] = _Account(
            user, account.password_hash, account.disabled if disabled is None else disabled
        )
        _check_admin_left(before, accounts)
        _write_accounts(path, accounts)
    return user


def set_password(path: str | os.PathLike, username: str, password: str) -> None:
    """Give an existing account a new password (same rules as add_user); nothing else changes."""
    path = _writable(path)
    check_password_rules(password, username)
    password_hash = hash_password(password)
    with _locked(path):
        accounts = dict(_read_accounts(path))
        account = accounts.get(username)
        if account is None:
            raise UnknownUserError(f"no user {username!r} in {path}")
        accounts[username] = _Account(account.user, password_hash, account.disabled)
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


def _active_accounts(path: str | os.PathLike | None = None) -> dict[str, _Account]:
    """Accounts that may sign in now: none from the demo file unless the DB is the default one."""
    path = Path(path or users_file())
    if is_demo_file(path) and not demo_accounts_allowed():
        return {}
    return {n: a for n, a in _read_accounts(path).items() if not a.disabled}


def lookup_user(username: str, path: str | os.PathLike | None = None) -> User | None:
    """The current record of a signed-in user (None once removed or disabled)."""
    account = _active_accounts(path).get(username)
    return account.user if account else None


def known_units(plans_dir: Path | None = None) -> set[str]:
    """Responsible units named in data/plans/*/responsible_units.csv (empty if none loaded yet)."""
    units: set[str] = set()
    for csv_path in sorted(Path(plans_dir or config.PLANS_DIR).glob("*/responsible_units.csv")):
        with csv_path.open(encoding="utf-8-sig", newline="") as fh:
            units.update(row["unit_zh"].strip() for row in csv.DictReader(fh) if row.get("unit_zh"))
    return units


# ---------------------------------------------------------------------------- rate limiting


@dataclass
class _KeyState:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    lock_count: int = 0
    last_failure: float = 0.0


class RateLimiter:
    """Failed sign-ins per key; `max_failures` within `window` s lock the key, doubling each time.

    Keys are e.g. ('user', 'alice') and ('client', session_id). One instance is shared by all
    Streamlit sessions (threads of one process), so every method takes the lock.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        lock_seconds: float = 60.0,
        max_lock_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lock_seconds = lock_seconds
        self.max_lock_seconds = max_lock_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._states: dict[tuple[str, str], _KeyState] = {}
        self._lock = threading.Lock()

    def _is_stale(self, state: _KeyState, now: float) -> bool:
        # Quiet for as long as the longest lock after its lock ended: start again from 60 s.
        quiet = max(self.window, self.max_lock_seconds)
        return now - max(state.last_failure, state.locked_until) > quiet

    def _state(self, key: tuple[str, str], now: float) -> _KeyState:
        state = self._states.get(key)
        if state is None or self._is_stale(state, now):
            state = self._states[key] = _KeyState()
        state.failures = [t for t in state.failures if now - t < self.window]
        return state

    def retry_after(self, keys: Iterable[tuple[str, str]]) -> int:
        """Whole seconds until every key is unlocked (0 when none is locked)."""
        with self._lock:
            now = self.clock()
            waits = [
                self._states[k].locked_until - now
                for k in keys
                if k in self._states and self._states[k].locked_until > now
            ]
        return math.ceil(max(waits)) if waits else 0

    def record_failure(self, keys: Iterable[tuple[str, str]]) -> int:
        """Count a failure for each key; return the wait now in force (0 when not locked)."""
        with self._lock:
            now = self.clock()
            wait = 0.0
            for key in keys:
                state = self._state(key, now)
                state.failures.append(now)
                state.last_failure = now
                if len(state.failures) >= self.max_failures:
                    seconds = min(self.lock_seconds * 2**state.lock_count, self.max_lock_seconds)
                    state.locked_until = now + seconds
                    state.lock_count += 1
                    state.failures.clear()
                wait = max(wait, state.locked_until - now)
            if len(self._states) > self.max_keys:
                self._prune(now)
        return math.ceil(wait) if wait > 0 else 0

    def record_success(self, keys: Iterable[tuple[str, str]]) -> None:
        """Forget the failures of these keys (called with the username key only)."""
        with self._lock:
            for key in keys:
                self._states.pop(key, None)

    def reset(self) -> None:
        """Forget everything (tests, or an admin unlocking)."""
        with self._lock:
            self._states.clear()

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._states.items() if self._is_stale(s, now)]:
            del self._states[key]


LIMITER = RateLimiter()


def _limit_keys(username: str, client_key: str | None) -> list[tuple[str, str]]:
    keys = [("user", username.strip().casefold())]
    if client_key:
        keys.append(("client", str(client_key)))
    return keys


# ---------------------------------------------------------------------------- sign-in


@functools.lru_cache(maxsize=8)
def _dummy_hash(cost: int) -> bytes:
    """A hash of a random secret, checked for unknown users so they take as long as known ones."""
    return bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(cost))


def _check_password(password: str, password_hash: bytes) -> bool:
    raw = password.encode("utf-8")
    try:
        if len(raw) > MAX_PASSWORD_BYTES:
            bcrypt.checkpw(b"-", password_hash)  # same work, always fails
            return False
        return bcrypt.checkpw(raw, password_hash)
    except ValueError:  # malformed hash
        return False


def _hash_cost(accounts: dict[str, _Account]) -> int:
    for account in accounts.values():
        try:
            return int(account.password_hash.split("$")[2])
        except (IndexError, ValueError):
            continue
    return BCRYPT_ROUNDS


def authenticate(
    username: str,
    password: str,
    client_key: str | None = None,
    *,
    path: str | os.PathLike | None = None,
    limiter: RateLimiter | None = None,
) -> User | None:
    """The user when the password matches, else None; raises SignInLocked while locked out.

    Failures count per username and per `client_key` (e.g. the Streamlit session id).
    """
    limiter = limiter or LIMITER
    username = (username or "").strip()
    if not username:
        return None
    keys = _limit_keys(username, client_key)
    wait = limiter.retry_after(keys)
    if wait:
        raise SignInLocked(wait)
    accounts = _active_accounts(path)
    account = accounts.get(username)
    if account is not None:
        ok = _check_password(password or "", account.password_hash.encode("ascii"))
    else:
        _check_password(password or "", _dummy_hash(_hash_cost(accounts)))
        ok = False
    if ok:
        # Only the username key: signing in to one's own account must not reset the client count.
        limiter.record_success(keys[:1])
        return account.user
    log.info("failed sign-in for username %r", username)
    wait = limiter.record_failure(keys)
    if wait:
        raise SignInLocked(wait)
    return None


# ---------------------------------------------------------------------------- permissions


def _as_units(unit: str | Iterable[str] | None) -> set[str] | None:
    if unit is None:
        return None
    if isinstance(unit, str):
        return {unit}
    return set(unit)


def _refusal(
    user: User | None, action: str, unit: str | Iterable[str] | None, check_unit: bool = True
) -> tuple[str, str] | None:
    """None when allowed, else the (zh, en) reason."""
    if action not in ACTION_ROLES:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    admin_only = ACTION_ROLES[action] == {"admin"}
    if user is None:
        if action == "view":
            return ("请先登录后查看", "Please sign in to view this dashboard")
        if admin_only:
            return ("此功能需要登录（管理员）", "Sign in as an administrator to use this feature")
        return ("此功能需要登录（上报员或管理员）", "Sign in as staff or admin to use this feature")
    if user.role not in ACTION_ROLES[action]:
        if admin_only:
            return ("需要管理员权限", "This needs the admin role")
        return ("需要上报员或管理员权限", "This needs the staff or admin role")
    if check_unit and user.role == "staff" and action in UNIT_BOUND_ACTIONS:
        units = _as_units(unit)
        if units is None:
            if action in UNIT_REQUIRED_ACTIONS:
                return (
                    "未指明责任单位，无法核对权限",
                    "No responsible unit was given, so the permission cannot be checked",
                )
        elif user.unit not in units:
            return (
                f"上报员只能操作本单位（{user.unit}）的数据和任务",
                f"Staff may only change data and tasks of their own unit ({user.unit})",
            )
    return None


def can(user: User | None, action: str, unit: str | Iterable[str] | None = None) -> bool:
    """True when `user` may do `action` (for `unit`, or any of several responsible units)."""
    return _refusal(user, action, unit) is None


def require(user: User | None, action: str, *, unit: str | Iterable[str] | None = None) -> User:
    """Return `user` when allowed, else raise PermissionDenied; call before every write."""
    reason = _refusal(user, action, unit)
    if reason is not None:
        raise PermissionDenied(action, *reason)
    assert user is not None
    return user


def role_allows(user: User | None, action: str) -> bool:
    """True when the user's role may do `action` at all (page level; units are checked on write)."""
    return _refusal(user, action, None, check_unit=False) is None


def refusal_message(user: User | None, action: str, lang: str = "zh") -> str | None:
    """Why `user` may not open a page for `action` (None when the role allows it)."""
    reason = _refusal(user, action, None, check_unit=False)
    if reason is None:
        return None
    return reason[1] if lang == "en" else reason[0]


# ---------------------------------------------------------------------------- command line


def _read_new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / Password: ")
    if getpass.getpass("再次输入 / Repeat: ") != first:
        raise ValueError("the two passwords differ")
    return first


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m kpi.auth add-user | list-users | remove-user`; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m kpi.auth", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    file_help = "accounts file (default: $KPI_USERS_FILE, else config/users.yaml)"

    add = sub.add_parser("add-user", help="add an account (password prompted, never echoed)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--unit", help="responsible unit, required for staff (e.g. 市工业和信息化局)")
    add.add_argument("--display-name", help="name shown in the app (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--replace", action="store_true", help="overwrite an existing account")
    add.add_argument(
        "--allow-unknown-unit",
        action="store_true",
        help="accept a unit not listed in data/plans/*/responsible_units.csv",
    )
    add.add_argument("--file", type=Path, help=file_help)

    lst = sub.add_parser("list-users", help="list accounts (never the hashes)")
    lst.add_argument("--file", type=Path, help="accounts file (default: the one the app uses)")

    rm = sub.add_parser("remove-user", help="remove an account")
    rm.add_argument("username")
    rm.add_argument("--file", type=Path, help=file_help)

    for command, help_text in (
        ("disable-user", "keep an account but stop it signing in"),
        ("enable-user", "let a disabled account sign in again"),
    ):
        toggle = sub.add_parser(command, help=help_text)
        toggle.add_argument("username")
        toggle.add_argument("--file", type=Path, help=file_help)

    args = parser.parse_args(argv)
    try:
        if args.command == "add-user":
            path = args.file or writable_users_file()
            if args.role == "staff" and not args.unit:
                raise ValueError("--unit is required for --role staff")
            if args.role != "staff" and args.unit:
                raise ValueError(f"--unit applies to staff only, not {args.role}")
            units = set() if args.allow_unknown_unit else known_units()
            if args.unit and units and args.unit.strip() not in units:
                raise ValueError(
                    f"unknown unit {args.unit!r}; known units: {'、'.join(sorted(units))} "
                    "(or pass --allow-unknown-unit)"
                )
            password = _read_new_password(args.password_stdin)
            user = add_user(
                path,
                args.username,
                args.role,
                args.unit,
                password,
                args.display_name,
                replace=args.replace,
            )
            print(f"已保存 / saved: {user.username} ({user.role}, {user.unit or '-'}) -> {path}")
        elif args.command == "list-users":
            path = args.file or users_file()
            for a in list_accounts(path):
                fields = [a["username"], a["role"], a["unit"] or "-", a["display_name"]]
                print("\t".join(fields + (["disabled"] if a["disabled"] else [])))
            if is_demo_file(path):
                print("(demo accounts / 演示账号)", file=sys.stderr)
        elif args.command == "remove-user":
            path = args.file or writable_users_file()
            if not remove_user(path, args.username):
                raise ValueError(f"no user {args.username!r} in {path}")
            print(f"已删除 / removed: {args.username} -> {path}")
        elif args.command in ("disable-user", "enable-user"):
            path = args.file or writable_users_file()
            disabled = args.command == "disable-user"
            update_user(path, args.username, disabled=disabled)
            done = "已停用 / disabled" if disabled else "已启用 / enabled"
            print(f"{done}: {args.username} -> {path}")
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
