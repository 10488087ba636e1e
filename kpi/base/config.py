"""Paths and settings; environment variables override the defaults.

Every setting the product reads is here. Those read through a function are looked up at each
call, so a test (or a long-running server after a restart of its environment) sees the change.
"""

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("KPI_DATA_DIR", REPO_DIR / "data"))
PLANS_DIR = DATA_DIR / "plans"
UNIT_CONVERSIONS_CSV = DATA_DIR / "unit_conversions.csv"
DEFAULT_DB_PATH = DATA_DIR / "dashboard.duckdb"
CONFIG_DIR = REPO_DIR / "config"
DEMO_USERS_FILE = CONFIG_DIR / "demo_users.yaml"  # shipped accounts with published passwords
LOCAL_USERS_FILE = CONFIG_DIR / "users.yaml"  # the real accounts of this installation
DEFAULT_BROWSER_PATH = "/usr/bin/chromium"
_TRUE = {"1", "true", "yes", "on"}

# Uploads larger than this are refused (the Streamlit server enforces the same limit).
MAX_UPLOAD_MB = int(os.environ.get("KPI_MAX_UPLOAD_MB", "20"))

# Another process (the CLI, or the app while the CLI runs) may hold the database file for the
# length of one operation; waiting briefly is better than failing the user's action.
LOCK_WAIT_SECONDS = float(os.environ.get("KPI_LOCK_WAIT", "15"))

# 序时进度 thresholds in percentage points behind the expected path.
YELLOW_FROM_POINTS = float(os.environ.get("KPI_YELLOW_FROM", "10"))
RED_ABOVE_POINTS = float(os.environ.get("KPI_RED_ABOVE", "30"))

# Warning rules for uploads.
TARGET_MULTIPLE_WARNING = 3.0
CHANGE_RATIO_WARNING = 0.5

# Warning list (预警督办清单): a warning that has persisted this many quarters or more becomes a
# red notice (红色督办); a newer one is a yellow notice (黄色提示).
RED_NOTICE_FROM_QUARTERS = int(os.environ.get("KPI_RED_NOTICE_FROM", "2"))


def db_path(override: str | os.PathLike | None = None) -> Path:
    """The database file: explicit flag, else $KPI_DB, else data/dashboard.duckdb."""
    if override:
        return Path(override)
    return Path(os.environ.get("KPI_DB", DEFAULT_DB_PATH))


def is_default_db(path: Path) -> bool:
    """True for the embedded default database (demo data and demo accounts allowed)."""
    return Path(path).resolve() == DEFAULT_DB_PATH.resolve()


def users_file_setting() -> Path | None:
    """$KPI_USERS_FILE: the accounts file to use instead of config/users.yaml (None when unset)."""
    value = os.environ.get("KPI_USERS_FILE", "").strip()
    return Path(value).expanduser() if value else None


def plan_setting() -> str | None:
    """$KPI_PLAN: the plan the command line works on by default (None: the newest plan)."""
    return os.environ.get("KPI_PLAN", "").strip() or None


def view_requires_login() -> bool:
    """$KPI_VIEW_REQUIRES_LOGIN (default off: viewing is open, for a server on 127.0.0.1)."""
    return os.environ.get("KPI_VIEW_REQUIRES_LOGIN", "").strip().lower() in _TRUE


def browser_path() -> Path:
    """$BROWSER_PATH: the chromium that draws chart images (default Debian's /usr/bin/chromium)."""
    return Path(os.environ.get("BROWSER_PATH", "").strip() or DEFAULT_BROWSER_PATH)
