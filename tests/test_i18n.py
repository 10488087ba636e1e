"""kpi.i18n: every label exists in both languages; names and units pick the right column."""

import re

import pytest

from kpi import i18n, progress, views
from kpi.i18n import LABELS

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("key", sorted(LABELS))
def test_label_has_both_languages_when_defined(key: str) -> None:
    entry = LABELS[key]
    assert set(entry) >= {"zh", "en"}
    assert entry["zh"].strip() and entry["en"].strip()


@pytest.mark.parametrize("key", sorted(LABELS))
def test_label_placeholders_match_between_languages(key: str) -> None:
    def fields(text: str) -> set[str]:
        return set(re.findall(r"{(\w*)}", text))

    assert fields(LABELS[key]["zh"]) == fields(LABELS[key]["en"])


@pytest.mark.parametrize(
    "key", [k for k in LABELS if k.split(".")[0] in ("light", "trend", "nav", "cockpit", "col")]
)
def test_english_label_has_no_chinese_when_it_names_ui(key: str) -> None:
    assert not CJK.search(LABELS[key]["en"])


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
    for light in views.LIGHT_ORDER:
        assert f"light_desc.{light}" in LABELS


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
