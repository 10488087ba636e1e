"""Every text a reader sees, in Chinese and English: the catalogs kpi/base/locales/<lang>.yaml.

Keys are dotted by area (`nav.`, `cockpit.`, `problem.`, `error.` ...). Both catalogs hold the same
keys with the same {placeholders}, and every key is used (tests/test_i18n.py). Code never writes
a sentence itself: it names a key, and `t(key, lang, **values)` fills it in.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


# The C parser where PyYAML was built with libyaml (8x faster: every process reads the catalogs).
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):
    """A YAML loader that refuses a key written twice (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of one language's catalog with its text."""
    path = LOCALES_DIR / f"{lang}.yaml"
    entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    return {str(key): str(value) for key, value in entries.items()}


def _lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **fmt: Any) -> str:
    """The text of `key` in `lang`, filled in with `fmt`; the key itself when it is unknown."""
    text = catalog(_lang(lang)).get(key)
    if text is None:
        return key
    return text.format(**fmt) if fmt else text


def both(key: str, **fmt: Any) -> str:
    """'中文 / English' on one line: the command line and logs speak to either reader."""
    return f"{t(key, 'zh', **fmt)} / {t(key, 'en', **fmt)}"


class Bilingual:
    """Something that tells itself in the reader's language: errors, problems with a file."""

    def message(self, lang: str = DEFAULT_LANG) -> str:
        raise NotImplementedError

    @property
    def message_zh(self) -> str:
        return self.message("zh")

    @property
    def message_en(self) -> str:
        return self.message("en")


def light_name(light: str, lang: str | None = DEFAULT_LANG) -> str:
    """达标 / 绿灯 / 黄灯 / 红灯 / 无数据 (or the English)."""
    return t(f"light.{light}", lang)


def trend_name(label: str, lang: str | None = DEFAULT_LANG) -> str:
    """按期可达 / 需加快 / 出现倒退 / 已达标 / 数据不足 / 无数据 (or the English)."""
    return t(f"trend.{label}", lang)


def semantics_name(semantics: str, lang: str | None = DEFAULT_LANG) -> str:
    """The name of an indicator measure (level, new_since_base, yearly_flow)."""
    return t(f"semantics.{semantics}", lang)


def task_status_name(status: str | None, lang: str | None = DEFAULT_LANG) -> str:
    """未启动 / 推进中 / 已完成 / 滞后; 未填报 for a sub-task never updated."""
    if not isinstance(status, str) or not status:
        return t("task_status.none", lang)
    return t(f"task_status.{status}", lang)


def role_name(role: str, lang: str | None = DEFAULT_LANG) -> str:
    """领导（只读） / 上报员 / 管理员 (or the English); the code itself when unknown."""
    key = f"role.{role}"
    text = t(key, lang)
    return role if text == key else text


def join(items: list[str], lang: str | None = DEFAULT_LANG) -> str:
    """A list as one text: 'A、B、C' in Chinese, 'A; B; C' in English."""
    return t("common.list_separator", lang).join(items)


def column(field: str, lang: str | None = DEFAULT_LANG) -> str:
    """The name of a data column kept in both languages: 'name_zh' or 'name_en'."""
    return f"{field}_{_lang(lang)}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def name(row: Mapping[str, Any], lang: str | None = DEFAULT_LANG, field: str = "name") -> str:
    """`row[field + '_en']` in English (falling back to Chinese), else `row[field + '_zh']`."""
    zh = _text(row.get(f"{field}_zh"))
    en = _text(row.get(f"{field}_en"))
    if _lang(lang) == "en":
        return en or zh or ""
    return zh or en or ""


def unit(row: Mapping[str, Any], lang: str | None = DEFAULT_LANG, *, display: bool = True) -> str:
    """The indicator's display unit (万座 / 10k sites), or its canonical unit with display=False."""
    base = "display_unit" if display else "unit"
    zh = _text(row.get(base))
    en = _text(row.get(f"{base}_en"))
    if _lang(lang) == "en":
        return en or zh or ""
    return zh or en or ""
