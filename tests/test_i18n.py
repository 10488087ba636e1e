"""kpi.base.i18n and its catalogs: every text in both languages with the same placeholders, every
key used, no sentence left in the code; names and units pick the right column."""

import ast
import re
from pathlib import Path

import pytest
import yaml

from kpi.base import i18n
from kpi.measure import progress

REPO = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
CATALOGS = {lang: i18n.catalog(lang) for lang in i18n.LANGS}
KEYS = sorted(CATALOGS["zh"])
PRODUCT_FILES = sorted(
    [*REPO.glob("kpi/**/*.py"), *REPO.glob("pages/*.py"), *REPO.glob("etl/*.py"), REPO / "app.py"]
)
ALLOWED = REPO / "tests" / "fixtures" / "chinese_in_code.tsv"
# (file, top-level name) whose Chinese is data, not a message; each line says why.
CHINESE_IN_CODE = {
    tuple(line.split("\t")[:2])
    for line in ALLOWED.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
}


def _placeholders(text: str) -> set[str]:
    """The names of the {fields} of a text ({value:g} counts as value)."""
    return set(re.findall(r"{(\w*)(?:[:!][^}]*)?}", text))


def test_catalogs_hold_the_same_keys():
    assert set(CATALOGS["zh"]) == set(CATALOGS["en"])


def test_a_key_written_twice_is_refused(tmp_path):
    doubled = tmp_path / "zh.yaml"
    doubled.write_text("a.b: 一\na.b: 二\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="duplicate key"):
        yaml.load(doubled.read_text(encoding="utf-8"), Loader=i18n._UniqueKeyLoader)


@pytest.mark.parametrize("key", KEYS)
def test_text_exists_and_placeholders_match_between_languages(key: str) -> None:
    zh, en = CATALOGS["zh"][key], CATALOGS["en"][key]
    assert zh.strip() and en.strip()
    assert _placeholders(zh) == _placeholders(en)


# Areas whose English names things in English only (elsewhere an English sentence may quote a
# Chinese term, such as 序时进度, or show how staff write a quarter, 2024年第三季度).
ENGLISH_ONLY_AREAS = ("light", "trend", "nav", "cockpit", "col", "role", "signin", "document")


@pytest.mark.parametrize("key", [k for k in KEYS if k.split(".")[0] in ENGLISH_ONLY_AREAS])
def test_english_text_has_no_chinese(key: str) -> None:
    assert not CJK.search(CATALOGS["en"][key]), CATALOGS["en"][key]


def _strings(path: Path) -> tuple[set[str], set[str]]:
    """Every string literal of a file, and the constant starts of its f-strings."""
    literals, prefixes = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            literals.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                prefixes.add(first.value)
    return literals, prefixes


def test_every_key_is_used():
    literals, prefixes = set(), set()
    for path in PRODUCT_FILES:
        found, starts = _strings(path)
        literals |= found
        prefixes |= starts
    dynamic = {p for p in prefixes if re.fullmatch(r"[a-z_]+(\.[a-z_]+)*[._]", p)}
    unused = [k for k in KEYS if k not in literals and not any(k.startswith(p) for p in dynamic)]
    assert not unused, unused


def _chinese_literals(path: Path) -> list[tuple[str, int, str]]:
    """(top-level name, line, text) of each string literal with Chinese that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for statement in tree.body:
        owner = getattr(statement, "name", None)
        if owner is None and isinstance(statement, ast.Assign | ast.AnnAssign):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            owner = ast.unparse(target)
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CJK.search(node.value)
                and id(node) not in docstrings
            ):
                found.append((owner or "<module>", node.lineno, node.value))
    return found


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_chinese_sentence_in_code(path: Path):
    """Texts live in the catalogs; Chinese in code is only what the product reads or writes."""
    relative = str(path.relative_to(REPO))
    left = [
        f"{relative}:{line} {owner}: {text!r}"
        for owner, line, text in _chinese_literals(path)
        if (relative, owner) not in CHINESE_IN_CODE
    ]
    assert not left, "\n".join(left)


@pytest.mark.parametrize(
    "light, zh, en",
    [
        ("achieved", "达标", "Achieved"),
        ("green", "绿灯", "Green"),
        ("yellow", "黄灯", "Yellow"),
        ("red", "红灯", "Red"),
        ("grey", "无数据", "No data"),
    ],
)
def test_light_name_in_both_languages(light: str, zh: str, en: str) -> None:
    assert i18n.light_name(light, "zh") == zh
    assert i18n.light_name(light, "en") == en


@pytest.mark.parametrize("label", progress.TREND_LABELS)
def test_every_trend_label_has_a_name(label: str) -> None:
    assert i18n.trend_name(label, "zh") != f"trend.{label}"
    assert i18n.trend_name(label, "en") != f"trend.{label}"


@pytest.mark.parametrize("semantics", progress.SEMANTICS)
def test_every_semantics_has_a_name_and_description(semantics: str) -> None:
    for lang in i18n.LANGS:
        assert i18n.semantics_name(semantics, lang) != f"semantics.{semantics}"
        assert i18n.t(f"semantics_desc.{semantics}", lang) != f"semantics_desc.{semantics}"


def test_every_light_has_a_description() -> None:
    for light in progress.LIGHTS:
        assert f"light_desc.{light}" in CATALOGS["zh"]


@pytest.mark.parametrize(
    "status, zh",
    [
        ("not_started", "未启动"),
        ("in_progress", "推进中"),
        ("done", "已完成"),
        ("delayed", "滞后"),
        (None, "未填报"),
    ],
)
def test_task_status_name(status, zh) -> None:
    assert i18n.task_status_name(status, "zh") == zh


def test_t_formats_and_falls_back() -> None:
    assert i18n.t("common.as_of", "en", as_of="2024Q2") == "As of 2024Q2"
    assert i18n.t("common.as_of", "fr", as_of="2024Q2") == "评估季度：2024Q2"
    assert i18n.t("no.such.key", "zh") == "no.such.key"
    assert i18n.both("common.as_of", as_of="2024Q2") == "评估季度：2024Q2 / As of 2024Q2"


def test_role_names_and_lists() -> None:
    assert i18n.role_name("admin", "zh") == "管理员"
    assert i18n.role_name("cli", "en") == "command line"
    assert i18n.role_name("robot", "en") == "robot"
    assert i18n.join(["甲", "乙"], "zh") == "甲、乙"
    assert i18n.join(["a", "b"], "en") == "a; b"


def test_name_and_unit_pick_language_with_fallback() -> None:
    row = {
        "name_zh": "5G 基站",
        "name_en": "5G base stations",
        "display_unit": "万座",
        "display_unit_en": "10k sites",
        "unit": "座",
        "unit_en": "sites",
    }
    assert i18n.name(row, "zh") == "5G 基站"
    assert i18n.name(row, "en") == "5G base stations"
    assert i18n.name({"name_zh": "只有中文", "name_en": None}, "en") == "只有中文"
    assert i18n.unit(row, "zh") == "万座"
    assert i18n.unit(row, "en") == "10k sites"
    assert i18n.unit(row, "en", display=False) == "sites"


def test_every_allowed_chinese_place_still_has_chinese():
    """An allowlist line whose code no longer holds Chinese is stale and must go."""
    holding = {
        (str(path.relative_to(REPO)), owner)
        for path in PRODUCT_FILES
        for owner, _, _ in _chinese_literals(path)
    }
    assert not sorted(CHINESE_IN_CODE - holding)
