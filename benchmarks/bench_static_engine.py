#!/usr/bin/env python3
"""Times the wheel's static engine against a dynamic build of the same source, beside pytest and xdist.

The static engine (build/jackd of `./dev build`, which `./dev wheel` packs: linked statically but for
glibc) must start no slower than a dynamic build of the same source, which loads about sixty shared
libraries (`cmake -S . -B /tmp/bdyn -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJACKD_STATIC=OFF &&
ninja -C /tmp/bdyn jackd` makes one). Three kinds of run, on a copy of examples/demo (49 tests, one
deliberate failure):
  - `jackd --help`: the engine's start-up alone (loading, relocation, static initializers);
  - `jackd --version`: the engine's start-up plus one probe of the interpreter;
  - `jackd run -n 2 -q`: the demo, beside `pytest -q` and `pytest -n 2 -q` on the same suite.
Cold and warm as in benchlib.py. Prints each median and its ratio to the dynamic engine's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

DEMO = b.ROOT / "examples" / "demo"
DEMO_OUTCOME = {"passed": 46, "failed": 1, "skipped": 1, "xfailed": 1}


def contenders(args: argparse.Namespace) -> list[b.Contender]:
    version = {}  # --help and --version print no summary line: only their exit code is checked
    return [
        b.Contender("jackd --help (dynamic)", [args.dynamic, "--help"], version),
        b.Contender("jackd --help (static)", [args.jackd, "--help"], version),
        b.Contender("jackd --version (dynamic)", [args.dynamic, "--version", "--python", args.python], version),
        b.Contender("jackd --version (static)", [args.jackd, "--version", "--python", args.python], version),
        b.Contender("pytest (serial)", b.pytest_argv(args.python), DEMO_OUTCOME, returncode=1),
        b.Contender("pytest -n 2", b.pytest_argv(args.python, "-n", "2"), DEMO_OUTCOME, returncode=1),
        b.Contender("jackd run -n 2 (dynamic)", b.jackd_argv(args.dynamic, args.python, 2), DEMO_OUTCOME, returncode=1),
        b.Contender("jackd run -n 2 (static)", b.jackd_argv(args.jackd, args.python, 2), DEMO_OUTCOME, returncode=1),
    ]


def report(all_contenders: list[b.Contender], modes: list[str], markdown: bool) -> None:
    by_name = {c.name: c for c in all_contenders}
    header = ["contender"]
    for mode in modes:
        header += [f"{mode} s", f"{mode} /dynamic"]
    header.append("check")
    rows = []
    for c in all_contenders:
        baseline = by_name[c.name.replace("(static)", "(dynamic)")] if "(static)" in c.name else None
        row = [c.name]
        for mode in modes:
            median = c.median(mode)  # milliseconds matter here: --help takes a few
            row += [f"{median:.3f}" if median is not None else "pending",
                    b.ratio(median, baseline.median(mode)) if baseline else "-"]
        rows.append(row + [b.check_cell(c, modes)])
    b.print_table(header, rows, markdown)
    print("(seconds: median wall time; '/dynamic': the static engine's time over the dynamic one's; lower is better)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    b.add_common_args(parser)
    parser.add_argument("--dynamic", required=True, help="a dynamic build of the engine (see above)")
    args = b.finish_args(parser.parse_args())
    args.dynamic = str(Path(args.dynamic).resolve())
    for engine in (args.jackd, args.dynamic):
        if not b.jackd_available(engine):
            return 1
    all_contenders = contenders(args)
    b.time_on_fresh_suite(all_contenders, args, "the static engine against the dynamic one, on examples/demo",
                          lambda suite: shutil.copytree(DEMO, suite, dirs_exist_ok=True))
    report(all_contenders, args.modes, args.markdown)
    return b.finish(all_contenders)


if __name__ == "__main__":
    sys.exit(main())
