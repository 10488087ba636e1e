import sys

# A quarterly bulletin's charts need chromium, which takes seconds to start: start it before the
# command line's imports (0.8 s), which then run meanwhile.
if sys.argv[1:2] == ["report"] and "final" not in sys.argv and "--kind=final" not in sys.argv:
    from kpi.outputs import chart_images

    chart_images.start_early()

from etl.cli import main  # noqa: E402

sys.exit(main())
