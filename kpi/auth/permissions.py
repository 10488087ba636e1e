"""Who may do what: roles per action, staff bound to their unit; checked server-side.

Every function that writes calls `require(user, action, unit=...)` before writing; hidden
buttons are never the protection."""

from __future__ import annotations

from collections.abc import Iterable

from kpi.auth.accounts import ROLES, User
from kpi.base import i18n
from kpi.base.errors import PermissionDenied

# Which roles may do what; staff are further limited to their own unit (see UNIT_BOUND_ACTIONS).
ACTION_ROLES: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "upload": frozenset({"staff", "admin"}),
    "update_task": frozenset({"staff", "admin"}),
    "rollback": frozenset({"admin"}),
    "manage_users": frozenset({"admin"}),
    "edit_targets": frozenset({"admin"}),
    # 规划管理: set up or replace a plan's reference data from a workbook or a folder of CSVs.
    "manage_plans": frozenset({"admin"}),
    # 审核: bureau reviewers approve or return what staff submit.
    "review": frozenset({"reviewer", "admin"}),
    # The submissions page: staff follow their own, reviewers and admins the queue.
    "submissions": frozenset({"staff", "reviewer", "admin"}),
}


ACTIONS = tuple(ACTION_ROLES)

# For these, a staff member passes only when `unit` (if given) is their own unit.
UNIT_BOUND_ACTIONS = frozenset({"upload", "update_task"})

# For these, a staff member must also name the unit (a task always has responsible units).
UNIT_REQUIRED_ACTIONS = frozenset({"update_task"})


# Actions open to reviewers say so when refused: (signed out, signed in with another role).
_REVIEW_REFUSALS: dict[str, tuple[str, str]] = {
    "review": ("permission.sign_in_as_reviewer", "permission.needs_reviewer"),
    "submissions": ("permission.sign_in_for_submissions", "permission.needs_submitter"),
}


def _as_units(unit: str | Iterable[str] | None) -> set[str] | None:
    if unit is None:
        return None
    if isinstance(unit, str):
        return {unit}
    return set(unit)


def _refusal(
    user: User | None, action: str, unit: str | Iterable[str] | None, check_unit: bool = True
) -> tuple[str, dict] | None:
    """None when allowed, else the reason: a catalog key and its values."""
    if action not in ACTION_ROLES:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    admin_only = ACTION_ROLES[action] == {"admin"}
    signed_out, wrong_role = _REVIEW_REFUSALS.get(action, (None, None))
    if user is None:
        if action == "view":
            return "permission.sign_in_to_view", {}
        if admin_only:
            return "permission.sign_in_as_admin", {}
        return signed_out or "permission.sign_in_as_staff", {}
    if user.role not in ACTION_ROLES[action]:
        if wrong_role:
            return wrong_role, {}
        return ("permission.needs_admin" if admin_only else "permission.needs_staff"), {}
    if check_unit and user.role == "staff" and action in UNIT_BOUND_ACTIONS:
        units = _as_units(unit)
        if units is None:
            if action in UNIT_REQUIRED_ACTIONS:
                return "permission.no_unit", {}
        elif user.unit not in units:
            return "permission.own_unit_only", {"unit": user.unit}
    return None


def can(user: User | None, action: str, unit: str | Iterable[str] | None = None) -> bool:
    """True when `user` may do `action` (for `unit`, or any of several responsible units)."""
    return _refusal(user, action, unit) is None


def require(user: User | None, action: str, *, unit: str | Iterable[str] | None = None) -> User:
    """Return `user` when allowed, else raise PermissionDenied; call before every write."""
    reason = _refusal(user, action, unit)
    if reason is not None:
        key, params = reason
        raise PermissionDenied(action, key, **params)
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
    key, params = reason
    return i18n.t(key, lang, **params)
