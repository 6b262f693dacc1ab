#!/usr/bin/env python3
"""Times jackd against pytest-xdist on tests that wait rather than compute (issue 6, target 2).

400 tests that each sleep 25 ms, in 20 files, on 8 workers (more workers than the benchmark machine's
2 cores is the point: sleeping tests do not need a core, so what limits the run is how fast the
distributor starts workers and hands them tests). The lower bound is the sleeping alone spread
perfectly: 400 * 0.025 / 8 = 1.25 s. Serial pytest (about 11 s) is timed for reference unless
--no-serial. Target: jackd at most 0.5x `pytest -n 8`. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

TARGET_VS_XDIST = 0.5  # issue 6: jackd's time over pytest -n 8's
SLEEP = 0.025  # seconds each test sleeps


def generate_suite(suite: Path, tests: int, files: int) -> None:
    number = 0
    for index, count in enumerate(b.spread(tests, files)):
        body = ["import time\n"]
        body += [f"def test_{n}():\n    time.sleep({SLEEP})\n" for n in range(number, number + count)]
        number += count
        (suite / f"test_sleep_{index:02d}.py").write_text("\n\n".join(body))


def contenders(args: argparse.Namespace) -> list[b.Contender]:
    w = str(args.workers)
    want = {"passed": args.tests}
    serial = [b.Contender("pytest (serial)", b.pytest_argv(args.python), want)] if args.serial else []
    return serial + [
        b.Contender(f"pytest -n {w}", b.pytest_argv(args.python, "-n", w), want),
        b.Contender(f"jackd run -n {w}", b.jackd_argv(args.jackd, args.python, args.workers), want),
    ]


def report(all_contenders: list[b.Contender], args: argparse.Namespace, bound: float) -> None:
    xdist, jackd = all_contenders[-2], all_contenders[-1]
    header = ["contender"]
    for mode in args.modes:
        header += [f"{mode} s", f"{mode} /xdist", f"{mode} /bound"]
    header.append("check")
    rows = [["lower bound"] + [cell for _ in args.modes for cell in (f"{bound:.2f}", "-", "1.00x")] + ["-"]]
    for c in all_contenders:
        row = [c.name]
        for mode in args.modes:
            row += [b.seconds(c.median(mode)), b.ratio(c.median(mode), xdist.median(mode)),
                    b.ratio(c.median(mode), bound)]
        rows.append(row + [b.check_cell(c, args.modes)])
    b.print_table(header, rows, args.markdown)
    print(f"(lower bound: {args.tests} tests x {SLEEP} s / {args.workers} workers, no start-up at all;"
          " '/xdist', '/bound': this time over pytest -n's, over the bound; lower is better)")
    b.print_targets([b.Target(f"{mode}: jackd / {xdist.name}", jackd.median(mode), xdist.median(mode), TARGET_VS_XDIST)
                     for mode in args.modes])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser, workers=8)
    parser.add_argument("--tests", type=int, help="number of tests (default 400; 80 with --quick)")
    parser.add_argument("--files", type=int, help="number of test files (default 20; 4 with --quick)")
    parser.add_argument("--no-serial", dest="serial", action="store_false",
                        help="do not time serial pytest (it takes tests x 25 ms, about 11 s)")
    args = b.finish_args(parser.parse_args())
    args.tests = args.tests or (80 if args.quick else 400)
    args.files = args.files or (4 if args.quick else 20)
    bound = args.tests * SLEEP / args.workers

    all_contenders = contenders(args)
    b.time_on_fresh_suite(all_contenders, args, f"{args.tests} tests sleeping {SLEEP} s in {args.files} files, {args.workers} workers",
                          lambda suite: generate_suite(suite, args.tests, args.files))
    report(all_contenders, args, bound)
    return b.finish(all_contenders)


if __name__ == "__main__":
    sys.exit(main())
