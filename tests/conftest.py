"""Shared fixtures: throwaway databases built from data/ (with or without the demo dataset)."""

import functools
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from kpi.base import config
from kpi.outputs import bulletin_render, pdf_render
from kpi.outputs.chart_images import ChartExporter
from kpi.store import db, snapshots
from kpi.store.ingest import reference_for

_TEMPLATES: dict[bool, Path] = {}

# Every AppTest's first run scans the metadata of every installed package for Streamlit
# components (0.1-0.4 s); a server does it once per process, and so do the tests: the installed
# packages do not change while they run.
_scan_once = functools.cache(manifest_scanner.scan_component_manifests)
manifest_scanner.scan_component_manifests = lambda *args, **kwargs: list(
    _scan_once(*args, **kwargs)
)
# AppTest compiles each page afresh on every run (a new ScriptCache per run), rewriting its AST
# for Streamlit's "magic" first; a server compiles each page once per process. No test edits a
# page while the tests run.
_SCRIPT_CACHE = ScriptCache()
app_test.ScriptCache = local_script_runner.ScriptCache = lambda: _SCRIPT_CACHE

# `make test-fast` runs the unit tests: our functions, inside the test process. A test that runs
# a page in AppTest is marked `page`; one that starts another program (python -m etl, chromium,
# poppler's tools) or lays out a PDF is marked `slow`. An unmarked test that does any of these
# fails, so that none can slip into the fast tier unnoticed.
_TIERS = ("page", "slow", "e2e")
_unit_test: list[str] = []  # the node id while an unmarked test sets up or runs


def _only_in(marker: str, what: str) -> None:
    if _unit_test:
        pytest.fail(f"{_unit_test[0]} {what}: mark it @pytest.mark.{marker}", pytrace=False)


def _guarded(original, marker: str, what: str):
    @functools.wraps(original)
    def guarded(*args, **kwargs):
        _only_in(marker, what)
        return original(*args, **kwargs)

    return guarded


AppTest.run = _guarded(AppTest.run, "page", "runs a page")
subprocess.Popen.__init__ = _guarded(subprocess.Popen.__init__, "slow", "starts a program")
pdf_render.pdf_writer = bulletin_render.WRITERS["pdf"] = _guarded(
    pdf_render.pdf_writer, "slow", "lays out a PDF"
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    return (yield from _as_unit_test(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    return (yield from _as_unit_test(item))


def _as_unit_test(item: pytest.Item):
    unmarked = not any(item.get_closest_marker(marker) for marker in _TIERS)
    if unmarked:
        _unit_test.append(item.nodeid)
    try:
        return (yield)
    finally:
        if unmarked:
            _unit_test.pop()


def _template(tmp_path_factory: pytest.TempPathFactory, with_demo: bool) -> Path:
    """Build each kind of database once per test session, then copy it per test."""
    if with_demo not in _TEMPLATES:
        path = tmp_path_factory.mktemp("template") / f"demo-{with_demo}.duckdb"
        db.ensure_database(path, with_demo=with_demo)
        with db.read(path):  # publishes its first snapshot, copied along with it
            pass
        _TEMPLATES[with_demo] = path
    return _TEMPLATES[with_demo]


def _copy_template(factory: pytest.TempPathFactory, with_demo: bool, path: Path) -> Path:
    """The template and its published snapshot: a store as a write leaves it. Its modification
    time is kept, so the copy's snapshot is current and the first read need not publish. The
    snapshot folder is linked, not copied: its files are only ever replaced, never changed."""
    template = _template(factory, with_demo)
    shutil.copy2(template, path)
    shutil.copytree(snapshots.folder(template), snapshots.folder(path), copy_function=os.link)
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


@pytest.fixture(scope="module")
def module_demo_store(store_copy, request: pytest.FixtureRequest):
    """One demo store for a module whose tests only read it: the pages' caches and the held
    snapshot serve every test after the first. A test that wrote to it fails the module."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    path = store_copy(True, name)
    version = snapshots.version(path)
    yield path
    assert snapshots.version(path) == version, f"a test of {name} wrote to its shared store"


@pytest.fixture(scope="session")
def chart_exporter():
    """One chromium per test process, shared by the report tests that draw: starting one takes
    seconds. Closed at the session's end, while its profile folder still exists (at interpreter
    exit, tempfile's finalizer may remove the folder under a running chromium first)."""
    if not config.browser_path().is_file():
        pytest.skip(f"chart export needs a chromium at {config.browser_path()}")
    with ChartExporter() as exporter:
        yield exporter


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
