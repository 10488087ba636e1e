"""The `python -m etl` command line: thin wrappers over the kpi package."""
