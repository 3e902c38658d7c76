"""Run mutmut's mutants against a few test files in one process (docs/mutation.md).

mutmut 3 forks a process per mutant and stops a slow one after ``timeout_multiplier`` times
its tests' time; on a loaded machine (2 cores, load 6-8) that ran 3 mutants a minute, most of
the time spent waiting for false timeouts. The mutants it generated select themselves by the
``MUTANT_UNDER_TEST`` variable at every call, so one process can run them all: for each
mutant, pytest runs the given test files with ``-x``; exit code 0 means the mutant survived.
A mutant still running after ``--limit`` seconds is stopped by an alarm (counted as killed:
it loops, as mutmut's timeout).

Caution: state carries over between mutants in the one process (an equivalent mutant of
``protect_column`` was counted as killed with three privacy test files; docs/mutation.md).
Its survivors are real, its kills are not proven: check them in fresh processes, or use
``mutmut run`` for a score of record.

Run from the ``mutants/`` folder that ``mutmut run`` made (with the current tests copied
to ``tests_now``)::

    cd mutants && rm -rf tests_now && cp -r ../tests tests_now
    PYTHONPATH=$PWD/src:$PWD python ../tools/mutants_in_process.py \\
        src/opvang_opt/outputs/privacy.py.meta tests_now/outputs/test_mutation_privacy.py ...
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import time

import pytest


class _Alarm(Exception):
    """A mutant ran past its limit."""


def _alarm(signum: int, frame: object) -> None:
    raise _Alarm


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("meta", help="mutmut's <module>.py.meta: the mutant names")
    parser.add_argument("tests", nargs="+", help="test files or ids (and --deselect ...)")
    parser.add_argument("--only", default="", help="run only mutants whose name holds this")
    parser.add_argument("--limit", type=int, default=120, help="seconds per mutant")
    args, extra = parser.parse_known_args()
    with open(args.meta, encoding="utf-8") as f:
        names = [n for n in json.load(f)["exit_code_by_key"] if args.only in n]
    signal.signal(signal.SIGALRM, _alarm)
    survived, killed = [], 0
    t0 = time.time()
    for name in names:
        os.environ["MUTANT_UNDER_TEST"] = name
        signal.alarm(args.limit)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                rc = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *args.tests, *extra])
        except _Alarm:
            rc = -1
        finally:
            signal.alarm(0)
        if rc == 0:
            survived.append(name)
            print("survived", name, flush=True)
        else:
            killed += 1
            print("killed", name, flush=True)
    os.environ["MUTANT_UNDER_TEST"] = ""
    print(
        f"{len(names)} mutants: {killed} killed, {len(survived)} survived "
        f"({time.time() - t0:.0f} s)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
