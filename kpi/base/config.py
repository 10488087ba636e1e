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
# The font the PDF, the DOCX and the chart images name for Chinese (Debian's fonts-noto-cjk).
CJK_FONT = "Noto Sans CJK SC"
_TRUE = {"1", "true", "yes", "on"}

# Uploads larger than this are refused (the Streamlit server enforces the same limit).
MAX_UPLOAD_MB = int(os.environ.get("KPI_MAX_UPLOAD_MB", "20"))

# Limits checked before a file is parsed, so no upload can take unbounded memory or time.
MAX_COLUMNS = 200  # the template has 8
MAX_ROWS = 2_000_000
MAX_CELL_CHARS = 4_096
# Memory grows with the cells of a table (rows x columns, about 25 bytes each while read and
# checked), not with its bytes: 20 MB of "1,1,1" is ten million cells. A template-shaped file
# at the size limit has about five million.
MAX_CELLS = 8_000_000
XLSX_MAX_UNPACKED_MB = 200  # the sum of a workbook's members once unzipped
XLSX_MAX_RATIO = 100  # unpacked / packed size of one member; zip bombs run to thousands
# Files checked at once by this server; further uploads wait their turn (one visitor's large
# file must not starve the others of memory).
CONCURRENT_CHECKS = 2

# A figure above this multiple of its indicator's largest target is refused as absurd; the
# warning at TARGET_MULTIPLE_WARNING asks only for a second look.
VALUE_CEILING_MULTIPLE = 1000.0

# Sign-in sessions end after this long without a page run, and after this long in any case.
SESSION_IDLE_MINUTES = float(os.environ.get("KPI_SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = float(os.environ.get("KPI_SESSION_MAX_HOURS", "12"))

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


# Reporting calendar: a quarter's figures and task updates are due this many days after it ends
# (15: the 15th of the following month).
REPORT_DUE_DAYS = int(os.environ.get("KPI_REPORT_DUE_DAYS", "15"))

# Evidence (佐证材料) attached to a submission or a task update.
EVIDENCE_MAX_MB = int(os.environ.get("KPI_EVIDENCE_MAX_MB", "10"))  # per file
EVIDENCE_MAX_FILES = 5  # files and links per submission or update


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


def snapshot_dir() -> Path | None:
    """$KPI_SNAPSHOT_DIR: where read snapshots are (default: beside the database file)."""
    value = os.environ.get("KPI_SNAPSHOT_DIR", "").strip()
    return Path(value).expanduser() if value else None


def is_replica() -> bool:
    """$KPI_REPLICA: this server only reads published snapshots, never writes (docs/DEPLOY.md)."""
    return os.environ.get("KPI_REPLICA", "").strip().lower() in _TRUE
