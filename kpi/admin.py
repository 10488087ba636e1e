"""Admin writes from the browser: target edits (目标调整) and accounts (用户管理); no Streamlit.

Same rules as kpi.intake: `auth.require` first, then one transaction holding the write and its
audit entry, one writer at a time in this process (`intake._writer`).

Target edits never change the cited reference row: each edit is a new row of `target_edits`
naming the target or milestone by its natural key, with the old and new value and a required
reason. `kpi.queries.targets`/`milestones` apply the latest edit of each row, so the status
maths, charts and exports use it, and `etl init` (which rebuilds the reference tables) keeps it.

Accounts live in the YAML file (`kpi.auth.users_file()`); the audit entry is written in the
same database transaction as the file change and rolled back when the file cannot be written.
Password material never reaches the audit log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kpi import auth, db, i18n, queries, views
from kpi.auth import User
from kpi.intake import IntakeRefused, _writer
from kpi.queries import Con

KINDS = ("target", "milestone")
MIN_REASON_CHARS = 5
MAX_REASON_CHARS = 500
MAX_DISPLAY_NAME_CHARS = 64
# Values equal up to float noise count as unchanged.
_REL_TOLERANCE = 1e-9


# ------------------------------------------------------------------ target edits


@dataclass(frozen=True)
class TargetKey:
    """A target or milestone row by its natural key (the reference tables have no id)."""

    kind: str
    indicator_code: str
    sector_code: str | None
    period: str
    source_id: str
    source_ref: str

    @classmethod
    def of(cls, row: dict) -> TargetKey:
        """The key of a row of `editable_rows`."""
        sector = row.get("sector_code")
        return cls(
            row["kind"],
            row["indicator_code"],
            sector if isinstance(sector, str) and sector else None,
            row["period"],
            row["source_id"],
            row["source_ref"],
        )

    def object_id(self) -> str:
        """The audit log's object: 'target:base_stations_5g@全市/2025Q4 (zj-dt-plan 表1 …)'."""
        place = self.sector_code or "city"
        where = f"{self.source_id} {self.source_ref}"
        return f"{self.kind}:{self.indicator_code}@{place}/{self.period} ({where})"


EDITABLE_COLUMNS = [
    "kind",
    "indicator_code",
    "sector_code",
    "period",
    "value",
    "source_value",
    "value_as_written",
    "unit_as_written",
    "comparator",
    "source_id",
    "source_ref",
    "doc_no",
    "source_title_zh",
    "source_title_en",
    "is_default",
    "edited_value",
    "edit_reason",
    "edited_by",
    "edited_at",
]


def editable_rows(con: Con, plan_id: str) -> pd.DataFrame:
    """Every target and milestone with the value in force and any edit, in display order:
    indicator, then its targets (city-wide default first, then sectors), then its milestones."""
    targets = queries.targets(con, plan_id).assign(kind="target")
    milestones = queries.milestones(con, plan_id).assign(
        kind="milestone", is_default=False, comparator="", value_as_written="", unit_as_written=""
    )
    frames = [f.reindex(columns=EDITABLE_COLUMNS) for f in (targets, milestones) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=EDITABLE_COLUMNS)
    rows = pd.concat(frames, ignore_index=True)
    indicator_order = queries.indicators(con, plan_id).set_index("indicator_code")["sort_order"]
    sector_order = queries.sectors(con, plan_id).set_index("sector_code")["sort_order"]
    order = pd.DataFrame(
        {
            "indicator": rows["indicator_code"].map(indicator_order),
            "kind": (rows["kind"] == "milestone").astype(int),
            "sector": rows["sector_code"].map(sector_order).fillna(-1),
            "default": ~rows["is_default"].astype(bool),
            "period": rows["period"],
        }
    )
    ranked = order.sort_values(list(order.columns), kind="stable").index
    return rows.loc[ranked].reset_index(drop=True)


def read_editable_rows(path: Path | str | None, plan_id: str) -> pd.DataFrame:
    """`editable_rows` on a short-lived connection."""
    with db.connect(path) as con:
        return editable_rows(con, plan_id)


def read_target_edits(path: Path | str | None, plan_id: str) -> pd.DataFrame:
    """Every edit of the plan, newest first, on a short-lived connection."""
    with db.connect(path) as con:
        return queries.target_edits(con, plan_id)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOLERANCE, abs_tol=1e-12)


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON_CHARS:
        raise IntakeRefused(
            f"请填写调整原因（至少 {MIN_REASON_CHARS} 个字），未修改",
            f"Give a reason (at least {MIN_REASON_CHARS} characters); nothing was changed",
        )
    if len(text) > MAX_REASON_CHARS:
        raise IntakeRefused(
            f"调整原因过长（最多 {MAX_REASON_CHARS} 字）",
            f"The reason is too long (at most {MAX_REASON_CHARS} characters)",
        )
    return text


def _clean_value(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise IntakeRefused(
            f"新目标值必须大于 0（填写的是“{value}”）",
            f"The new value must be above 0 (got {value!r})",
        )
    return number


def _find(rows: pd.DataFrame, key: TargetKey) -> dict:
    for row in rows[rows["kind"] == key.kind].to_dict("records"):
        if TargetKey.of(row) == key:
            return row
    raise IntakeRefused(
        "找不到该目标行（参考数据可能已更新），请刷新页面",
        "That target row no longer exists (the reference data may have changed); reload",
    )


def edit_target(
    path: Path | str | None,
    user: User | None,
    plan_id: str,
    key: TargetKey,
    new_value: float,
    reason: str | None,
    *,
    expected_value: float | None = None,
) -> int:
    """Record an admin edit of one target or milestone (canonical unit); returns its edit id.

    Refused unless the user is an admin, the reason has at least MIN_REASON_CHARS characters
    and the value is above 0 and differs from the value in force. With `expected_value` (the
    value the form showed), refused when someone else changed the row in the meantime.
    """
    user = auth.require(user, "edit_targets")
    if key.kind not in KINDS:
        raise IntakeRefused(f"未知类型“{key.kind}”", f"Unknown kind {key.kind!r}")
    new_value = _clean_value(new_value)
    reason = _clean_reason(reason)
    with _writer(path) as con:
        row = _find(editable_rows(con, plan_id), key)
        old_value = float(row["value"])
        if expected_value is not None and not _same(old_value, float(expected_value)):
            raise IntakeRefused(
                "该目标刚被他人修改，请刷新后再试（未修改）",
                "Someone else changed this target just now; reload and try again (nothing saved)",
            )
        if _same(old_value, new_value):
            raise IntakeRefused(
                "新值与现行值相同，未修改", "The new value equals the value in force; nothing saved"
            )
        source_value = float(row["source_value"])
        with db.transaction(con):
            edit_id = queries.insert_target_edit(
                con,
                plan_id,
                key.kind,
                {**row, "sector_code": key.sector_code},
                {
                    "source_value": source_value,
                    "old_value": old_value,
                    "new_value": new_value,
                    "reason": reason,
                    "user_name": user.username,
                    "role": user.role,
                },
            )
            queries.write_audit(
                con,
                user_name=user.username,
                role=user.role,
                action="edit_target",
                plan_id=plan_id,
                object_id=key.object_id(),
                before={
                    "value": old_value,
                    "source_value": source_value,
                    "edited": not _same(old_value, source_value),
                },
                after={
                    "edit_id": edit_id,
                    "value": new_value,
                    "reverted_to_source": _same(new_value, source_value),
                    "reason": reason,
                    "kind": key.kind,
                    "indicator_code": key.indicator_code,
                    "sector_code": key.sector_code,
                    "period": key.period,
                    "source_id": key.source_id,
                    "source_ref": key.source_ref,
                },
            )
    return edit_id


def revert_target(
    path: Path | str | None, user: User | None, plan_id: str, key: TargetKey, reason: str | None
) -> int:
    """Put the cited value back in force: one more edit (history is kept); returns its id."""
    auth.require(user, "edit_targets")
    rows = read_editable_rows(path, plan_id)
    row = _find(rows, key)
    return edit_target(
        path,
        user,
        plan_id,
        key,
        float(row["source_value"]),
        reason,
        expected_value=float(row["value"]),
    )


def to_canonical(shown: float, indicator: dict) -> float:
    """A value typed in the indicator's display unit (1.86 万座) in its canonical unit (18600)."""
    return float(shown) * float(indicator.get("display_factor") or 1)


def to_display(value: float, indicator: dict) -> float:
    """A canonical value in the display unit (18600 座 -> 1.86 万座)."""
    return float(value) / float(indicator.get("display_factor") or 1)


# ------------------------------------------------------------------ target tables as shown


def _place(sector_code, sector_names: dict[str, str], lang: str) -> str:
    if isinstance(sector_code, str) and sector_code:
        return sector_names.get(sector_code, sector_code)
    return i18n.t("targets.city", lang)


def _doc(row: dict, lang: str) -> str:
    doc = row.get("doc_no")
    if isinstance(doc, str) and doc:
        return doc
    return i18n.name(row, lang, "source_title")[:24]


def row_label(row: dict, indicator: dict, sector_names: dict[str, str], lang: str) -> str:
    """'目标 · 5G 基站 · 全市 · 2025Q4 · 湛府〔2023〕14号 表1 … · 考核采用' for a picker.

    Only what never changes with an edit (the value is shown under the picker), so the label
    a browser keeps for the chosen option stays true after saving.
    """
    parts = [
        i18n.t(f"targets.kind.{row['kind']}", lang),
        i18n.name(indicator, lang),
        _place(row.get("sector_code"), sector_names, lang),
        row["period"],
        f"{_doc(row, lang)} {row['source_ref']}",
    ]
    if row["kind"] == "target" and row.get("is_default"):
        parts.append(i18n.t("col.default", lang))
    return " · ".join(parts)


def targets_overview_table(
    rows: pd.DataFrame, indicators: pd.DataFrame, sectors: pd.DataFrame, lang: str = "zh"
) -> pd.DataFrame:
    """Every target and milestone as shown: value in force, cited value, source, edit."""
    ind = indicators.set_index("indicator_code").to_dict("index")
    sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    out = []
    for r in rows.to_dict("records"):
        meta = ind[r["indicator_code"]]
        written = f"{r['value_as_written']} {r['unit_as_written']}".strip()
        out.append(
            {
                i18n.t("targets.col.kind", lang): i18n.t(f"targets.kind.{r['kind']}", lang),
                i18n.t("col.indicator", lang): i18n.name(meta, lang),
                i18n.t("col.sector", lang): _place(r.get("sector_code"), sector_names, lang),
                i18n.t("col.period", lang): r["period"],
                i18n.t("targets.col.in_force", lang): views.format_value(r["value"], meta, lang),
                i18n.t("targets.col.cited", lang): views.format_value(
                    r["source_value"], meta, lang
                ),
                i18n.t("col.as_written", lang): written,
                i18n.t("col.doc_no", lang): _doc(r, lang),
                i18n.t("col.clause", lang): r["source_ref"],
                i18n.t("col.default", lang): "✔" if r.get("is_default") is True else "",
                i18n.t("col.admin_edit", lang): views.edit_text(r, meta, lang),
            }
        )
    return pd.DataFrame(out)


def edit_history_table(
    edits: pd.DataFrame, indicators: pd.DataFrame, sectors: pd.DataFrame, lang: str = "zh"
) -> pd.DataFrame:
    """Every edit, newest first: when, who, which row, old -> new, cited value, reason."""
    ind = indicators.set_index("indicator_code").to_dict("index")
    sector_names = {s["sector_code"]: i18n.name(s, lang) for s in sectors.to_dict("records")}
    out = []
    for r in edits.to_dict("records"):
        meta = ind.get(r["indicator_code"], {"name_zh": r["indicator_code"]})
        out.append(
            {
                i18n.t("intake.col.time", lang): pd.Timestamp(r["edited_at"]).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                i18n.t("audit.filter_user", lang): r["user_name"],
                i18n.t("targets.col.kind", lang): i18n.t(f"targets.kind.{r['kind']}", lang),
                i18n.t("col.indicator", lang): i18n.name(meta, lang) or r["indicator_code"],
                i18n.t("col.sector", lang): _place(r.get("sector_code"), sector_names, lang),
                i18n.t("col.period", lang): r["period"],
                i18n.t("intake.col.old", lang): views.format_value(r["old_value"], meta, lang),
                i18n.t("intake.col.new", lang): views.format_value(r["new_value"], meta, lang),
                i18n.t("targets.col.cited", lang): views.format_value(
                    r["source_value"], meta, lang
                ),
                i18n.t("targets.col.reason", lang): r["reason"],
                i18n.t("col.clause", lang): f"{r['source_id']} {r['source_ref']}",
            }
        )
    return pd.DataFrame(out)


# ------------------------------------------------------------------ accounts


def _accounts_file() -> Path:
    """The accounts file the app signs in against; the shipped demo file is never written."""
    path = auth.users_file()
    if auth.is_demo_file(path):
        raise IntakeRefused(
            "当前使用演示账号文件，不能在网页中修改；"
            "请先用 python -m kpi.auth add-user 创建正式账号文件",
            "The shipped demo accounts are in use and cannot be changed here; create a real "
            "accounts file with python -m kpi.auth add-user first",
        )
    return path


def accounts_editable() -> bool:
    """False while the app signs in against the shipped demo accounts file."""
    return not auth.is_demo_file(auth.users_file())


def accounts(path: str | Path | None = None) -> list[dict]:
    """Every account (username, display_name, role, unit, disabled), never a hash."""
    return auth.list_accounts(path)


def _account(username: str) -> dict:
    for account in auth.list_accounts(_accounts_file()):
        if account["username"] == username:
            return account
    raise IntakeRefused(f"用户“{username}”不存在", f"There is no user {username!r}")


def _check_unit(role: str, unit: str | None) -> str | None:
    if role not in auth.ROLES:
        raise IntakeRefused(f"未知角色“{role}”", f"Unknown role {role!r}")
    unit = unit.strip() if isinstance(unit, str) and unit.strip() else None
    if role != "staff":
        return None
    if not unit:
        raise IntakeRefused(
            "上报员账号必须绑定一个责任单位",
            "A staff account must be bound to one responsible unit",
        )
    known = auth.known_units()
    if known and unit not in known:
        raise IntakeRefused(f"未知责任单位“{unit}”", f"Unknown responsible unit {unit!r}")
    return unit


def _check_password(password: str | None, confirm: str | None, username: str) -> str:
    password = password or ""
    if password != (confirm or ""):
        raise IntakeRefused("两次输入的密码不一致", "The two passwords differ")
    if len(password) < auth.MIN_PASSWORD_CHARS:
        raise IntakeRefused(
            f"密码至少 {auth.MIN_PASSWORD_CHARS} 个字符",
            f"The password needs at least {auth.MIN_PASSWORD_CHARS} characters",
        )
    if len(password.encode("utf-8")) > auth.MAX_PASSWORD_BYTES:
        raise IntakeRefused(
            f"密码过长（最多 {auth.MAX_PASSWORD_BYTES} 字节）",
            f"The password is too long (at most {auth.MAX_PASSWORD_BYTES} bytes)",
        )
    if password.strip().casefold() == username.strip().casefold():
        raise IntakeRefused("密码不能与用户名相同", "The password must differ from the username")
    return password


def _not_yourself(actor: User, username: str, what_zh: str, what_en: str) -> None:
    if actor.username == username:
        raise IntakeRefused(
            f"不能{what_zh}自己的账号（请让另一位管理员操作）",
            f"You cannot {what_en} your own account (ask another admin)",
        )


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
    with _writer(db_path) as con, db.transaction(con):
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
        try:
            return change()
        except auth.LastAdminError as err:
            raise IntakeRefused(
                "不能停用、删除或降级最后一个管理员账号",
                "The last enabled admin account cannot be disabled, removed or demoted",
            ) from err
        except auth.UnknownUserError as err:
            raise IntakeRefused(
                f"用户“{username}”不存在", f"There is no user {username!r}"
            ) from err


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
    actor = auth.require(actor, "manage_users")
    path = _accounts_file()
    username = (username or "").strip()
    if not auth.USERNAME_RE.fullmatch(username):
        raise IntakeRefused(
            "用户名须为 1-64 个字母、数字或 _ . @ -（不能以符号开头）",
            "The username must be 1-64 letters, digits, '_', '.', '@' or '-'",
        )
    if any(a["username"] == username for a in auth.list_accounts(path)):
        raise IntakeRefused(f"用户“{username}”已存在", f"User {username!r} already exists")
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
        lambda: auth.add_user(path, username, role, unit, password, name),
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
    actor = auth.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    unit = _check_unit(role, unit)
    if role != before["role"]:
        _not_yourself(actor, username, "更改", "change the role of")
    name = (display_name or "").strip()[:MAX_DISPLAY_NAME_CHARS] or before["display_name"]
    after = {**before, "role": role, "unit": unit, "display_name": name}
    if after == before:
        raise IntakeRefused("没有改动", "Nothing changed")
    return _account_write(
        db_path,
        actor,
        "update_user",
        username,
        _public(before),
        _public(after),
        lambda: auth.update_user(path, username, role=role, unit=unit, display_name=name),
    )


def reset_password(
    db_path: Path | str | None,
    actor: User | None,
    username: str,
    password: str | None,
    confirm: str | None,
) -> None:
    """Give an account a new password (admin only); the audit entry says so, nothing more."""
    actor = auth.require(actor, "manage_users")
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
        lambda: auth.set_password(path, username, password),
    )


def set_account_disabled(
    db_path: Path | str | None, actor: User | None, username: str, disabled: bool
) -> None:
    """Disable (kept, no sign-in) or enable an account; never one's own, nor the last admin."""
    actor = auth.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    if disabled:
        _not_yourself(actor, username, "停用", "disable")
    if before["disabled"] == disabled:
        raise IntakeRefused("没有改动", "Nothing changed")
    _account_write(
        db_path,
        actor,
        "disable_user" if disabled else "enable_user",
        username,
        _public(before),
        _public({**before, "disabled": disabled}),
        lambda: auth.update_user(path, username, disabled=disabled),
    )


def delete_account(db_path: Path | str | None, actor: User | None, username: str) -> None:
    """Remove an account from the file; never one's own, never the last admin."""
    actor = auth.require(actor, "manage_users")
    path = _accounts_file()
    before = _account(username)
    _not_yourself(actor, username, "删除", "remove")

    def remove() -> None:
        if not auth.remove_user(path, username, keep_an_admin=True):
            raise auth.UnknownUserError(username)

    _account_write(db_path, actor, "remove_user", username, _public(before), None, remove)


def accounts_table(
    rows: list[dict], lang: str = "zh", unit_names_en: dict[str, str] | None = None
) -> pd.DataFrame:
    """Accounts as shown: username, display name, role, unit, state (never a hash)."""
    names = (unit_names_en or {}) if lang == "en" else {}
    columns = {
        "users.col.username": [r["username"] for r in rows],
        "users.col.display_name": [r["display_name"] for r in rows],
        "intake.col.role": [
            auth.ROLE_LABELS[r["role"]][lang if lang == "en" else "zh"] for r in rows
        ],
        "col.unit": [names.get(r["unit"], r["unit"]) if r["unit"] else "—" for r in rows],
        "users.col.state": [
            i18n.t("users.state.disabled" if r["disabled"] else "users.state.active", lang)
            for r in rows
        ],
    }
    return pd.DataFrame({i18n.t(k, lang): v for k, v in columns.items()})
