"""The server's settings in .streamlit/config.toml, and that the installed Streamlit has them."""

import tomllib
from pathlib import Path

from streamlit import config as st_config

SETTINGS = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_a_run_ends_without_a_forced_full_garbage_collection():
    """Streamlit's default collects every generation after each run: with the app's modules and
    caches in memory that held the server for about 110 ms before the browser heard that the
    run had ended. The app leaves collection to Python's own thresholds."""
    # A renamed option would be ignored without a word, and the collection would be back.
    assert "runner.postScriptGC" in st_config.get_config_options()
    settings = tomllib.loads(SETTINGS.read_text(encoding="utf-8"))
    assert settings["runner"]["postScriptGC"] is False
