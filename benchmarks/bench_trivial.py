#!/usr/bin/env python3
"""Times jackd against plain pytest and pytest-xdist on a suite of trivial tests.

The suite (5,000 tests of `assert N == N` in 100 files by default) measures overhead only: collection,
process start-up, distribution and reporting. Every contender runs on the same generated suite in the
same way, interleaved run by run, and the median of --repeat runs is reported, in two conditions:

  cold  PYTHONDONTWRITEBYTECODE=1 and every __pycache__ of the suite removed before each run, so each
        run compiles (and assertion-rewrites) all test files again;
  warm  bytecode allowed, and one untimed run of each contender first, so caches are filled.

Each run must end with "5000 passed" on pytest's summary line and exit 0; any contender that does not
is flagged, and the script then exits 1. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Variables that would change what pytest does if they leaked in from the caller's environment.
SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS", "PYTHONDONTWRITEBYTECODE")


@dataclass
class Contender:
    name: str
    argv: list[str]
    times: dict[str, list[float]] = field(default_factory=lambda: {"cold": [], "warm": []})
    problems: list[str] = field(default_factory=list)

    def median(self, mode: str) -> float | None:
        return statistics.median(self.times[mode]) if self.times[mode] else None


def generate_suite(directory: Path, tests: int, files: int) -> None:
    per_file, extra = divmod(tests, files)
    (directory / "pytest.ini").write_text(
        "[pytest]\n"
        "# The same options for every contender: no cache plugin, so no run leaves state for the next.\n"
        "addopts = -p no:cacheprovider\n"
    )
    number = 0
    for index in range(files):
        body = []
        for _ in range(per_file + (1 if index < extra else 0)):
            body.append(f"def test_{number}():\n    assert {number} == {number}\n")
            number += 1
        (directory / f"test_{index:03d}.py").write_text("\n\n".join(body))


def remove_bytecode(directory: Path) -> None:
    for cache in directory.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def passed_count(output: str) -> tuple[int | None, str]:
    """The number of passed tests on the last summary line of output, and that line."""
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    for line in reversed(output.splitlines()):
        if re.search(r"\d+ (passed|failed|errors?|skipped)\b", line):
            match = re.search(r"(\d+) passed", line)
            bad = re.search(r"\d+ (failed|errors?)\b", line)
            return (int(match.group(1)) if match and not bad else None), line.strip(" =")
    return None, "(no summary line)"


def run_once(contender: Contender, suite: Path, mode: str, expected: int, timeout: float) -> float:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    if mode == "cold":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        remove_bytecode(suite)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            contender.argv, cwd=suite, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        contender.problems.append(f"{mode}: timed out after {timeout:.0f} s")
        return time.perf_counter() - start
    elapsed = time.perf_counter() - start
    count, line = passed_count(proc.stdout)
    if proc.returncode != 0 or count != expected:
        problem = f"{mode}: exit {proc.returncode}, summary {line!r} (want {expected} passed)"
        if problem not in contender.problems:
            contender.problems.append(problem)
            tail = "\n".join(proc.stdout.splitlines()[-15:])
            print(f"  ! {contender.name}: {problem}\n{indent(tail)}", file=sys.stderr)
    return elapsed


def indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def tool_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine_line(python: str) -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = tool_output([python, "-c", (
        "import platform, pytest\n"
        "try:\n import xdist; x = xdist.__version__\n"
        "except ImportError: x = 'not installed'\n"
        "print(f'Python {platform.python_version()}, pytest {pytest.__version__}, pytest-xdist {x}')"
    )])
    return f"{os.cpu_count()} x {cpu}, {platform.system()} {platform.release()}; {versions}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def warn_if_busy(when: str) -> None:
    """Other work on the machine skews every number; say so rather than print quietly wrong ratios."""
    load = load_average()
    print(f"bench: load average {when}: {load}")
    try:
        if float(load.split()[0]) > 0.5:
            print(f"bench: warning: the machine is busy ({when}); timings will be noisy", file=sys.stderr)
    except ValueError:
        pass


def ratio(baseline: float | None, value: float | None) -> str:
    if baseline is None or value is None or value == 0:
        return "-"
    return f"{baseline / value:.2f}x"


def table(contenders: list[Contender], modes: list[str], markdown: bool) -> str:
    serial, xdist = contenders[0], contenders[1]
    header = ["contender"]
    for mode in modes:
        header += [f"{mode} s", f"{mode} vs pytest", f"{mode} vs xdist"]
    header.append("check")
    rows = []
    for c in contenders:
        row = [c.name]
        for mode in modes:
            value = c.median(mode)
            row += [
                f"{value:.2f}" if value is not None else "pending",
                ratio(serial.median(mode), value),
                ratio(xdist.median(mode), value),
            ]
        row.append("FAIL" if c.problems else ("ok" if any(c.times[m] for m in modes) else "pending"))
        rows.append(row)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), *(fmt(r) for r in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=5000, help="number of tests (default 5000)")
    parser.add_argument("--files", type=int, default=100, help="number of test files (default 100)")
    parser.add_argument("--workers", "-n", type=int, default=2, help="workers for xdist and jackd (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per contender and mode; median (default 3)")
    parser.add_argument("--modes", default="cold,warm", help="comma-separated: cold, warm (default both)")
    parser.add_argument("--jackd", default=str(ROOT / "build" / "jackd"), help="jackd binary (default build/jackd)")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"),
                        help="Python with pytest and pytest-xdist (default .venv/bin/python)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one run counts as hung")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--keep", action="store_true", help="keep the generated suite and print where it is")
    args = parser.parse_args()

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"cold", "warm"}:
        parser.error("--modes takes cold, warm or both")
    python = args.python
    if not Path(python).exists():
        print(f"bench: {python} not found (run ./dev setup); using {sys.executable}", file=sys.stderr)
        python = sys.executable
    python = str(Path(python).absolute())  # not resolved: a venv's python must keep its venv path
    jackd = Path(args.jackd).absolute()

    w = str(args.workers)
    contenders = [
        Contender("pytest (serial)", [python, "-m", "pytest", "-q"]),
        Contender(f"pytest-xdist -n {w}", [python, "-m", "pytest", "-q", "-n", w]),
        Contender(f"pytest-xdist -n {w} --dist loadfile", [python, "-m", "pytest", "-q", "-n", w, "--dist", "loadfile"]),
    ]
    jackd_row = Contender(f"jackd run -n {w}", [str(jackd), "run", "--python", python, "-n", w, "-q"])
    if os.access(jackd, os.X_OK):
        contenders.append(jackd_row)
        jackd_version = tool_output([str(jackd), "--version"])
    else:
        print(f"bench: {jackd} does not exist yet (./dev build makes it); timing the others only", file=sys.stderr)
        jackd_version = "not built"

    print(f"bench: {args.tests} trivial tests in {args.files} files, {w} workers, median of {args.repeat} runs")
    print(f"bench: machine: {machine_line(python)}; jackd: {jackd_version}")

    warn_if_busy("before")
    suite = Path(tempfile.mkdtemp(prefix="jackd-bench-"))
    try:
        generate_suite(suite, args.tests, args.files)
        for mode in modes:
            if mode == "warm":
                print("bench: warm-up runs", file=sys.stderr)
                for c in contenders:
                    run_once(c, suite, "warm", args.tests, args.timeout)
            for r in range(args.repeat):
                order = contenders[r % len(contenders):] + contenders[: r % len(contenders)]
                for c in order:
                    elapsed = run_once(c, suite, mode, args.tests, args.timeout)
                    c.times[mode].append(elapsed)
                    print(f"bench: {mode} run {r + 1}/{args.repeat}: {c.name}: {elapsed:.2f} s", file=sys.stderr)
    finally:
        if args.keep:
            print(f"bench: suite kept in {suite}")
        else:
            shutil.rmtree(suite, ignore_errors=True)

    warn_if_busy("after")
    if jackd_row not in contenders:
        contenders.append(jackd_row)
    print()
    print(table(contenders, modes, markdown=False))
    print("(seconds are medians of wall-clock time; 'vs' columns are speed-ups: baseline time / this time)")
    if args.markdown:
        print()
        print(table(contenders, modes, markdown=True))
    failed = [c for c in contenders if c.problems]
    for c in failed:
        for problem in c.problems:
            print(f"bench: FAIL {c.name}: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
