"""Shared fixtures: throwaway databases built from data/ (with or without the demo dataset)."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.delta_generator import DeltaGenerator

from kpi.store import db
from kpi.store.ingest import reference_for

_TEMPLATES: dict[bool, Path] = {}


def _template(tmp_path_factory: pytest.TempPathFactory, with_demo: bool) -> Path:
    """Build each kind of database once per test session, then copy it per test."""
    if with_demo not in _TEMPLATES:
        path = tmp_path_factory.mktemp("template") / f"demo-{with_demo}.duckdb"
        db.ensure_database(path, with_demo=with_demo)
        _TEMPLATES[with_demo] = path
    return _TEMPLATES[with_demo]


def _copy_template(factory: pytest.TempPathFactory, with_demo: bool, path: Path) -> Path:
    shutil.copy(_template(factory, with_demo), path)
    return path


@pytest.fixture(scope="session")
def store_copy(tmp_path_factory: pytest.TempPathFactory):
    """store_copy(with_demo, name): a fresh copy of a template in its own folder, for a module-
    scoped fixture whose tests only read the store (copied once instead of once per test)."""

    def copy(with_demo: bool, name: str) -> Path:
        return _copy_template(
            tmp_path_factory, with_demo, tmp_path_factory.mktemp(name) / f"{name}.duckdb"
        )

    return copy


@pytest.fixture
def empty_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the reference data and no progress figures."""
    return _copy_template(tmp_path_factory, False, tmp_path / "empty.duckdb")


@pytest.fixture
def demo_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the reference data and the demo dataset."""
    return _copy_template(tmp_path_factory, True, tmp_path / "demo.duckdb")


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory):
    """What an upload to the plan is checked against, on 2026-11-23 (the plan has ended)."""
    with db.read(_template(tmp_path_factory, False)) as con:
        return reference_for(con, "zhanjiang-dt-2023", date(2026, 11, 23))


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple]:
    """Every download button a page draws, by key: (data or the callable that makes it, name)."""
    seen: dict[str, tuple] = {}
    original = DeltaGenerator.download_button

    def spy(self, label, data, file_name=None, mime=None, **kwargs):
        seen[kwargs.get("key")] = (data, file_name)
        return original(self, label, data, file_name, mime, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return seen
