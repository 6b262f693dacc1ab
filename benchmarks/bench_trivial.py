#!/usr/bin/env python3
"""Times jackd against plain pytest and pytest-xdist on a suite of trivial tests (issue 6, target 1).

The suite (5,000 tests of `assert N == N` in 100 files by default) measures overhead only: start-up,
collection, distribution and reporting, which is where a distribution engine can lose to serial
pytest on a small machine. Contenders: `pytest`, `pytest -n 2`, `pytest -n 2 --dist loadfile` and
`jackd run -n 2`, cold and warm (see benchlib.py). Target: jackd's wall time at most 0.6x serial
pytest's and at most 0.35x `pytest -n 2`'s. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

# Issue 6's targets: jackd's time as a fraction of serial pytest's and of pytest-xdist's (-n, load).
TARGET_VS_PYTEST = 0.6
TARGET_VS_XDIST = 0.35


def generate_suite(suite: Path, tests: int, files: int) -> None:
    number = 0
    for index, count in enumerate(b.spread(tests, files)):
        body = [f"def test_{n}():\n    assert {n} == {n}\n" for n in range(number, number + count)]
        number += count
        (suite / f"test_{index:03d}.py").write_text("\n\n".join(body))


def contenders(args: argparse.Namespace) -> list[b.Contender]:
    w = str(args.workers)
    want = {"passed": args.tests}
    return [
        b.Contender("pytest (serial)", b.pytest_argv(args.python), want),
        b.Contender(f"pytest -n {w}", b.pytest_argv(args.python, "-n", w), want),
        b.Contender(f"pytest -n {w} --dist loadfile", b.pytest_argv(args.python, "-n", w, "--dist", "loadfile"), want),
        b.Contender(f"jackd run -n {w}", b.jackd_argv(args.jackd, args.python, args.workers), want),
    ]


def report(all_contenders: list[b.Contender], modes: list[str], markdown: bool) -> None:
    serial, xdist, jackd = all_contenders[0], all_contenders[1], all_contenders[-1]
    header = ["contender"]
    for mode in modes:
        header += [f"{mode} s", f"{mode} /pytest", f"{mode} /xdist"]
    header.append("check")
    rows = []
    for c in all_contenders:
        row = [c.name]
        for mode in modes:
            row += [b.seconds(c.median(mode)), b.ratio(c.median(mode), serial.median(mode)),
                    b.ratio(c.median(mode), xdist.median(mode))]
        rows.append(row + [b.check_cell(c, modes)])
    b.print_table(header, rows, markdown)
    print("(seconds: median wall time; '/pytest', '/xdist': this time over serial pytest's, over pytest -n's;"
          " lower is better)")
    targets = []
    for mode in modes:
        targets += [
            b.Target(f"{mode}: jackd / pytest", jackd.median(mode), serial.median(mode), TARGET_VS_PYTEST),
            b.Target(f"{mode}: jackd / {xdist.name}", jackd.median(mode), xdist.median(mode), TARGET_VS_XDIST),
        ]
    b.print_targets(targets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser, workers=2)
    parser.add_argument("--tests", type=int, help="number of tests (default 5000; 500 with --quick)")
    parser.add_argument("--files", type=int, help="number of test files (default 100; 10 with --quick)")
    args = b.finish_args(parser.parse_args())
    args.tests = args.tests or (500 if args.quick else 5000)
    args.files = args.files or (10 if args.quick else 100)

    all_contenders = contenders(args)
    b.time_on_fresh_suite(all_contenders, args, f"{args.tests} trivial tests in {args.files} files, {args.workers} workers",
                          lambda suite: generate_suite(suite, args.tests, args.files))
    report(all_contenders, args.modes, args.markdown)
    return b.finish(all_contenders)


if __name__ == "__main__":
    sys.exit(main())
