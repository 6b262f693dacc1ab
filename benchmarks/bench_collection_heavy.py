#!/usr/bin/env python3
"""Times how soon jackd reports its first result on a suite whose collection is slow (issue 6, target 4).

200 test modules, each importing its own helper module whose import burns 20 ms of CPU (a busy loop
on the process's CPU clock: real import cost is module bodies executing, and time.sleep would let
two workers look free on a busy machine), with 3 trivial tests each. Collecting the suite thus costs
about 4 s, running it almost nothing. The baseline is `pytest --collect-only -q`: everything a
distributor has to know before it can hand out all tests. jackd, collecting in its workers, can
report a first result long before that.

Time to first result is measured from outside, the same way for every contender: the JSON report has
no start times, so the script launches the command, reads its output unbuffered through a pipe, and
notes when the first progress line (`.` and the other result letters, as pytest -q prints them) arrives.
jackd flushes progress as results arrive; pytest and pytest -n 2 (timed for context) run with
PYTHONUNBUFFERED=1 so that their first dot is not held in a buffer.
Target: jackd -n 2's time to first result at most 0.6x collect-only's wall time. See README.md here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

TARGET_VS_COLLECT = 0.6  # issue 6: jackd's time to first result over collect-only's wall time
IMPORT_CPU = 0.02  # seconds of CPU each helper module burns when imported
TESTS_PER_MODULE = 3

HELPER = f'''"""Stands for a heavy import (a big library, generated code): {IMPORT_CPU} s of CPU at import time."""
import time

_end = time.process_time() + {IMPORT_CPU}
while time.process_time() < _end:
    pass

VALUE = 7
'''


def generate_suite(suite: Path, modules: int) -> None:
    for index in range(modules):
        (suite / f"helper_{index:03d}.py").write_text(HELPER)
        body = [f"import helper_{index:03d} as helper\n"]
        body += [f"def test_{k}():\n    assert helper.VALUE == 7\n" for k in range(TESTS_PER_MODULE)]
        (suite / f"test_module_{index:03d}.py").write_text("\n\n".join(body))


def contenders(args: argparse.Namespace, tests: int) -> list[b.Contender]:
    unbuffered = {"PYTHONUNBUFFERED": "1"}
    w = str(args.workers)
    return [
        b.Contender("pytest --collect-only -q", b.pytest_argv(args.python, "--collect-only"), {"collected": tests}),
        b.Contender("pytest (serial)", b.pytest_argv(args.python), {"passed": tests}, env=unbuffered),
        b.Contender(f"pytest -n {w}", b.pytest_argv(args.python, "-n", w), {"passed": tests}, env=unbuffered),
        b.Contender(f"jackd run -n {w}", b.jackd_argv(args.jackd, args.python, args.workers), {"passed": tests}),
    ]


def report(all_contenders: list[b.Contender], args: argparse.Namespace) -> None:
    collect, jackd = all_contenders[0], all_contenders[-1]
    header = ["contender"]
    for mode in args.modes:
        header += [f"{mode} wall s", f"{mode} first result s", f"{mode} first /collect-only"]
    header.append("check")
    rows = []
    for c in all_contenders:
        row = [c.name]
        for mode in args.modes:
            first = c.median_first(mode)
            row += [b.seconds(c.median(mode)), b.seconds(first) if c is not collect else "-",
                    b.ratio(first, collect.median(mode)) if c is not collect else "-"]
        rows.append(row + [b.check_cell(c, args.modes)])
    b.print_table(header, rows, args.markdown)
    print("(first result: seconds from launch to the first progress line on the output; '/collect-only': that"
          " over pytest --collect-only's wall time; lower is better)")
    b.print_targets([b.Target(f"{mode}: jackd first result / collect-only", jackd.median_first(mode),
                              collect.median(mode), TARGET_VS_COLLECT) for mode in args.modes])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser, workers=2)
    parser.add_argument("--modules", type=int, help="test modules, each with its own helper (default 200; 40 with --quick)")
    args = b.finish_args(parser.parse_args())
    args.modules = args.modules or (40 if args.quick else 200)
    tests = args.modules * TESTS_PER_MODULE

    all_contenders = contenders(args, tests)
    b.time_on_fresh_suite(all_contenders, args, f"{args.modules} modules importing a {IMPORT_CPU} s helper each, {tests} tests, {args.workers} workers",
                          lambda suite: generate_suite(suite, args.modules))
    report(all_contenders, args)
    return b.finish(all_contenders)


if __name__ == "__main__":
    sys.exit(main())
