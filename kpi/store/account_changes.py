"""Account changes from the browser (用户管理), audited in the store; no Streamlit.

Accounts live in the YAML file (`accounts.users_file()`); the audit entry is written in the
same database transaction as the file change and rolled back when the file cannot be
written. Password material never reaches the audit log."""

from __future__ import annotations

from pathlib import Path

from kpi.auth import accounts as auth_accounts
from kpi.auth import permissions
from kpi.auth.accounts import User
from kpi.base import errors
from kpi.base.errors import InputRejected
from kpi.store import connection, queries
from kpi.store.writer import writer

MAX_DISPLAY_NAME_CHARS = 64


def _accounts_file() -> Path:
    """The accounts file the app signs in against; the shipped demo file is never written."""
    path = auth_accounts.users_file()
    if auth_accounts.is_demo_file(path):
        raise InputRejected("accounts.demo_file_read_only")
    return path


def accounts_editable() -> bool:
    """False while the app signs in against the shipped demo accounts file."""
    return not auth_accounts.is_demo_file(auth_accounts.users_file())


def accounts(path: str | Path | None = None) -> list[dict]:
    """Every account (username, display_name, role, unit, disabled), never a hash."""
    return auth_accounts.list_accounts(path)


def _account(username: str) -> dict:
    for account in auth_accounts.list_accounts(_accounts_file()):
        if account["username"] == username:
            return account
    raise errors.UnknownUserError(username)


def _check_unit(role: str, unit: str | None) -> str | None:
    if role not in auth_accounts.ROLES:
        raise InputRejected("accounts.unknown_role", role=role)
    unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
    if role != "staff":
        return None
    if not unit:
        raise InputRejected("accounts.staff_needs_unit")
    known = auth_accounts.known_units()
    if known and unit not in known:
        raise InputRejected("accounts.unknown_unit", unit=unit)
    return unit


def _check_password(password: str | None, confirm: str | None, username: str) -> str:
    password = password or ""
    if password != (confirm or ""):
        raise InputRejected("accounts.passwords_differ")
    auth_accounts.check_password_rules(password, username)
    return password


def _not_yourself(actor: User, username: str, refusal: str) -> None:
    """Refused with the catalog text `refusal` when the admin acts on their own account."""
    if actor.username == username:
        raise InputRejected(refusal)


def _public(account: dict | User | None) -> dict | None:
    """What the audit log keeps of an account: never password material."""
    if account is None:
        return None
    if isinstance(account, User):
        account = {
            "username": account.username,
            "display_name": account.display_name,
            "role": account.role,
            "unit": account.unit,
        }
    keys = ("username", "display_name", "role", "unit", "disabled")
    return {k: account.get(k, False if k == "disabled" else None) for k in keys}


def _account_write(
    db_path: Path | str | None,
    actor: User,
    action: str,
    username: str,
    before: dict | None,
    after: dict | None,
    change,
):
    """Audit entry and file change together: the entry is rolled back if the file write fails."""
    with writer(db_path) as con, connection.transaction(con):
        queries.write_audit(
            con,
            user_name=actor.username,
            role=actor.role,
            action=action,
            plan_id=None,
            object_id=username,
            before=before,
            after=after,
        )
        return change()


def add_account(
    db_path: Path | str | None,
    actor: User | None,
    username: str,
    role: str,
    unit: str | None,
    password: str | None,
    confirm: str | None,
    display_name: str | None = None,
) -> User:
    """Create an account (admin only); refused when the name exists or the input breaks a rule."""
    actor = permissions.require(actor, "manage_users")
    path = _accounts_file()
    username = (username or "").strip()
    if not auth_accounts.USERNAME_RE.fullmatch(username):
        raise InputRejected("accounts.bad_username")
    if any(a["username"] == username for a in auth_accounts.list_accounts(path)):
        raise InputRejected("accounts.user_exists", username=username)
    unit = _check_unit(role, unit)
    password = _check_password(password, confirm, username)
    name = (display_name or "").strip()[:MAX_DISPLAY_NAME_CHARS] or username
    after = _public(User(username, role, unit, name))
    return _account_write(
        db_path,
        actor,
        "add_user",
        username,
        None,
        after,
        lambda: auth_accounts.add_user(path, username, role, unit, password, name),
    )


def change_account(
    db_path: Path | str | None,
    actor: User | None,
    username: str,
    role: str,
    unit: str | None,
    display_name: str | None = None,
) -> User:
    """Change an account's role, unit or display name (admin only; not one's own role)."""
    actor = permissions.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    unit = _check_unit(role, unit)
    if role != before["role"]:
        _not_yourself(actor, username, "accounts.not_own_role")
    name = (display_name or "").strip()[:MAX_DISPLAY_NAME_CHARS] or before["display_name"]
    after = {**before, "role": role, "unit": unit, "display_name": name}
    if after == before:
        raise InputRejected("accounts.nothing_changed")
    return _account_write(
        db_path,
        actor,
        "update_user",
        username,
        _public(before),
        _public(after),
        lambda: auth_accounts.update_user(path, username, role=role, unit=unit, display_name=name),
    )


def reset_password(
    db_path: Path | str | None,
    actor: User | None,
    username: str,
    password: str | None,
    confirm: str | None,
) -> None:
    """Give an account a new password (admin only); the audit entry says so, nothing more."""
    actor = permissions.require(actor, "manage_users")
    path = _accounts_file()
    _account(username)
    password = _check_password(password, confirm, username)
    _account_write(
        db_path,
        actor,
        "reset_password",
        username,
        None,
        {"username": username, "password_reset": True},
        lambda: auth_accounts.set_password(path, username, password),
    )


def set_account_disabled(
    db_path: Path | str | None, actor: User | None, username: str, disabled: bool
) -> None:
    """Disable (kept, no sign-in) or enable an account; never one's own, nor the last admin."""
    actor = permissions.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    if disabled:
        _not_yourself(actor, username, "accounts.not_own_disable")
    if before["disabled"] == disabled:
        raise InputRejected("accounts.nothing_changed")
    _account_write(
        db_path,
        actor,
        "disable_user" if disabled else "enable_user",
        username,
        _public(before),
        _public({**before, "disabled": disabled}),
        lambda: auth_accounts.update_user(path, username, disabled=disabled),
    )


def delete_account(db_path: Path | str | None, actor: User | None, username: str) -> None:
    """Remove an account from the file; never one's own, never the last admin."""
    actor = permissions.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    _not_yourself(actor, username, "accounts.not_own_remove")

    def remove() -> None:
        if not auth_accounts.remove_user(path, username, keep_an_admin=True):
            raise errors.UnknownUserError(username)

    _account_write(db_path, actor, "remove_user", username, _public(before), None, remove)
