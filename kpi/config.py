"""Paths and settings; environment variables override the defaults."""

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KPI_DATA_DIR", REPO_DIR / "data"))
PLANS_DIR = DATA_DIR / "plans"
UNIT_CONVERSIONS_CSV = DATA_DIR / "unit_conversions.csv"
DEFAULT_DB_PATH = DATA_DIR / "dashboard.duckdb"

# Uploads larger than this are refused (the Streamlit server enforces the same limit).
MAX_UPLOAD_MB = int(os.environ.get("KPI_MAX_UPLOAD_MB", "20"))

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
