#!/usr/bin/env python3
"""jackd end to end on 100,000 tests (issue 6, target 5): correct counts, the engine's peak memory
and its CPU per test, with serial pytest and pytest -n timed on the same suite for reference.

The suite is 1,000 files of 100 parametrized trivial tests. jackd's engine process (not its workers) is
watched through /proc while it runs: VmHWM (peak resident memory) and utime + stime (CPU). Targets: the
engine stays under 200 MB, and every test is counted once (the run's summary says 100000 passed).
The scheduler alone on 100,000 tests is `build/jackd_scheduler_sim --scale 100000`. Warm bytecode only
(a cold run adds the same rewriting cost to every contender). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402

MEMORY_TARGET_MB = 200.0
TESTS_PER_FILE = 100
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def generate_suite(suite: Path, tests: int) -> None:
    files = max(1, tests // TESTS_PER_FILE)
    for index, count in enumerate(b.spread(tests, files)):
        (suite / f"test_scale_{index:04d}.py").write_text(
            "import pytest\n\n\n"
            f"@pytest.mark.parametrize('n', range({count}))\n"
            "def test_trivial(n):\n"
            "    pass\n")


def read_proc(pid: int) -> tuple[float, float] | None:
    """(peak RSS in MB, CPU seconds) of a live process; None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    peak_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    if peak_kb is None:  # a zombie: it has exited, its memory is gone
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return peak_kb / 1024, cpu


def run_watched(argv: list[str], suite: Path, timeout: float) -> tuple[float, float, float, int, str]:
    """Runs argv in suite, sampling its /proc entry every 20 ms: (wall s, peak MB, CPU s, exit, output)."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=suite, env=b.environment("warm"), stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT)
        peak = cpu = 0.0
        while proc.poll() is None:
            sample = read_proc(proc.pid)
            if sample is not None:
                peak, cpu = max(peak, sample[0]), sample[1]
            if time.perf_counter() - start > timeout:
                proc.kill()
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        output.seek(0)
        return elapsed, peak, cpu, proc.returncode, output.read().decode(errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_common_args(parser, workers=2)
    parser.add_argument("--tests", type=int, default=100_000, help="tests in the suite (default 100000)")
    args = b.finish_args(parser.parse_args())
    args.modes = ["warm"]
    if args.quick:
        args.tests = 10_000
    tests = args.tests
    w = str(args.workers)
    want = {"passed": tests}
    b.print_header(f"{tests} trivial tests in {max(1, tests // TESTS_PER_FILE)} files, -n {w}, warm", args)
    suite = b.make_suite_dir()
    results: dict[str, list[float]] = {}
    jackd: dict[str, list[float]] = {"wall": [], "peak": [], "cpu": []}
    status = 0
    try:
        generate_suite(suite, tests)
        reference = [b.Contender("pytest (serial)", b.pytest_argv(args.python), want),
                     b.Contender(f"pytest -n {w}", b.pytest_argv(args.python, "-n", w), want)]
        jackd_argv = b.jackd_argv(args.jackd, args.python, args.workers)
        for contender in reference:  # warm-up, untimed
            b.run_contender(contender, suite, "warm", args.timeout)
        run_watched(jackd_argv, suite, args.timeout)
        for r in range(args.repeat):
            for contender in reference:
                outcome = b.run_contender(contender, suite, "warm", args.timeout)
                results.setdefault(contender.name, []).append(outcome.elapsed)
            wall, peak, cpu, code, output = run_watched(jackd_argv, suite, args.timeout)
            counts, line = b.summary_counts(output)
            print(f"bench: run {r + 1}/{args.repeat}: jackd {wall:.2f} s, engine peak {peak:.1f} MB, engine CPU "
                  f"{cpu:.2f} s; {line}", file=sys.stderr)
            if code != 0 or counts.get("passed") != tests or len(counts) != 1:
                print(f"bench: FAIL jackd: exit {code}, summary {line!r} (want exit 0, {tests} passed)")
                status = 1
            jackd["wall"].append(wall)
            jackd["peak"].append(peak)
            jackd["cpu"].append(cpu)
        status = max(status, b.finish(reference))
    finally:
        b.remove_suite(suite, args.keep)

    serial = statistics.median(results["pytest (serial)"])
    rows = [[name, b.seconds(statistics.median(times)), b.ratio(statistics.median(times), serial), "-", "-", "-"]
            for name, times in results.items()]
    wall, peak, cpu = (statistics.median(jackd[k]) for k in ("wall", "peak", "cpu"))
    rows.append([f"jackd run -n {w}", b.seconds(wall), b.ratio(wall, serial), f"{peak:.1f}", f"{cpu:.2f}",
                 f"{cpu / tests * 1e6:.1f}"])
    b.print_table(["contender", "warm s", "/pytest", "engine peak MB", "engine CPU s", "engine CPU us/test"], rows,
                  args.markdown)
    print()
    print(f"target: engine peak memory < {MEMORY_TARGET_MB:.0f} MB: {peak:.1f} MB  "
          f"{'PASS' if peak < MEMORY_TARGET_MB else 'MISS'}")
    print(f"target: correct counts ({tests} passed, every run): {'PASS' if status == 0 else 'FAIL'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
