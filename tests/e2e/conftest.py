"""Real-browser fixtures: a Streamlit server on a throwaway database and Debian's Chromium.

Follows Streamlit's own e2e suite: headless server, poll /_stcore/health, then wait for the app
to report `data-test-script-state='notRunning'` before asserting or taking a screenshot.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpi.auth import accounts
from tests.e2e.browser import PASSWORDS, REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass
class Server:
    url: str
    db: Path
    process: subprocess.Popen
    log: Path | None = None  # the server's output: tracebacks the page itself does not show


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Accounts for the browser tests (not the shipped demo accounts)."""
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    rounds = accounts.BCRYPT_ROUNDS
    accounts.BCRYPT_ROUNDS = 4
    try:
        accounts.add_user(path, "viewer", "viewer", None, PASSWORDS["viewer"])
        accounts.add_user(path, "staff", "staff", "市工业和信息化局", PASSWORDS["staff"])
        accounts.add_user(path, "admin", "admin", None, PASSWORDS["admin"])
        accounts.add_user(path, "reviewer", "reviewer", None, PASSWORDS["reviewer"])
    finally:
        accounts.BCRYPT_ROUNDS = rounds
    return path


def start_server(db: Path, users: Path) -> Server:
    port = _free_port()
    log_path = db.parent / f"streamlit-{port}.log"
    log = log_path.open("wb")
    env = {**os.environ, "KPI_DB": str(db), "KPI_USERS_FILE": str(users)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child process keeps its own handle
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(url, db, process, log_path)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not start")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def fresh_server(tmp_path: Path, demo_db: Path, users_file: Path) -> Iterator[Server]:
    """A server no session has visited yet (for the pages-by-URL security check)."""
    server = start_server(demo_db, users_file)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, users_file: Path) -> Iterator[Server]:
    """One server with the demo data per test module."""
    from kpi.store import db

    path = tmp_path_factory.mktemp("e2e") / "dashboard.duckdb"
    db.ensure_database(path, with_demo=True)
    running = start_server(path, users_file)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium: Playwright's own browser download does not work here."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make system-deps`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "viewport": {"width": 1400, "height": 1000},
        "accept_downloads": True,
        "locale": "zh-CN",
    }
