import sys

# A quarterly bulletin's charts need chromium, which takes seconds to start: start it before the
# command line's imports (0.8 s), which then run meanwhile.
early = sys.argv[1:2] == ["report"] and "final" not in sys.argv and "--kind=final" not in sys.argv
if early:
    from kpi.outputs import chart_images

    chart_images.start_early()

from etl.cli import main  # noqa: E402

try:
    code = main()
finally:  # a usage error, say, ends the command before the report takes chromium
    if early:
        chart_images.close_unclaimed()
sys.exit(code)
