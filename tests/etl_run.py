"""`python -m etl ARGS` run in the test process, at any fixture scope.

A process costs 0.5-1 s to start; the entry point itself (exit codes, a store held by another
process, Chromium left behind) is tested as a process in test_cli_faults.py and others.
"""

import contextlib
import io
import sys
from types import SimpleNamespace

from etl import cli


def run_etl(*argv: object, stdin: str = "") -> SimpleNamespace:
    """The command's returncode, stdout and stderr, as subprocess.run would give them."""
    out, err = io.StringIO(), io.StringIO()
    given, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([str(arg) for arg in argv])
            except SystemExit as exit_:  # argparse's usage errors
                code = exit_.code
    finally:
        sys.stdin = given
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
