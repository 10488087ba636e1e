"""One chart exporter (one chromium) per test process, shared by the report tests that draw.

Starting chromium takes seconds: tests/test_render.py and tests/test_bulletin.py draw their
charts with this one instead of starting their own. It starts on first use and closes when the
process exits.
"""

import atexit
import functools

from kpi.outputs.chart_images import ChartExporter


@functools.cache
def shared_exporter() -> ChartExporter:
    """The test process's chart exporter (started on first use, closed at exit)."""
    exporter = ChartExporter()
    atexit.register(exporter.close)
    return exporter
